using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Binding;

// UNION [ALL] / INTERSECT / EXCEPT whose arms read an enclosing query, inside a correlated sub-query
// bound as a LATERAL one (a derived table, a scalar, EXISTS or IN sub-query), e.g.
//   EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.k UNION ALL SELECT 1 FROM t3 WHERE t3.k = t1.k)
// Every arm is decorrelated like a LATERAL sub-query (QueryBinder.Lateral): its correlation
// equalities inner = outer give it a further output, the inner expression. When all arms are
// correlated by the same outer expressions with the same equality operators, in the same order, the
// set operation runs once over the arms' rows with those key columns appended, so a row's key is part
// of what UNION, INTERSECT and EXCEPT compare: restricted to one key value v, the result is the set
// operation of each arm's rows for v, which is what PostgreSQL computes for an outer row carrying v.
// The keys become the correlation of the level holding the set operation (LateralContext.Correlations).
// An uncorrelated arm beside correlated ones, or arms correlated differently: Unsupported.
public sealed partial class QueryBinder
{
    /// <summary>One arm's correlation: its equality function and argument order, the outer expression.</summary>
    private sealed record ArmCorrelation(uint FuncOid, string Name, bool InnerFirst, BoundExpr Outer, Types.PgType KeyType);

    private Func<BindScope, LogicalPlan> PrepareCorrelatedSetOperations(QueryTreeNode setOps, BindScope scope, LateralContext lateral)
    {
        var levelBinder = new ExpressionBinder(_envelope.Catalog, scope) { Outer = lateral.Outer };
        List<ArmCorrelation>? signature = null;
        var plan = BindCorrelatedSetOperation(setOps, scope, levelBinder, lateral.What, ref signature, out var columns, out var keys);
        if (signature is null) throw UnsupportedConstructException.NotYet($"{lateral.What} with UNION/INTERSECT/EXCEPT whose arms do not read the outer query");
        scope.SetSubquery(LeftmostLeaf(setOps), columns);
        for (int i = 0; i < keys.Count; i++)
        {
            var s = signature[i];
            var key = new LogicalColumnRef(keys[i]);
            var eq = new BoundFuncCall(s.FuncOid, s.Name, s.InnerFirst ? [key, s.Outer] : [s.Outer, key], Types.PgType.Bool);
            lateral.Correlations.Add(new Correlation(eq, key, s.Outer, s.InnerFirst));
        }
        return _ => plan;
    }

    private LogicalPlan BindCorrelatedSetOperation(QueryTreeNode node, BindScope scope, ExpressionBinder levelBinder, string what,
        ref List<ArmCorrelation>? signature, out IReadOnlyList<LogicalColumn> columns, out IReadOnlyList<LogicalColumn> keys)
    {
        string armWhat = $"{what} with UNION/INTERSECT/EXCEPT";
        if (node.RequireKind() == "RANGETBLREF")
        {
            int rti = node.Int32("rtindex");
            var rte = scope.Entry(rti, node.Field("rtindex"));
            if (rte.Int32("rtekind") != RteKind.Subquery) throw node.Error($"set operation leaf is a {RteKind.Describe(rte.Int32("rtekind"))}");
            var arm = rte.Field("subquery");
            if (!ReadsOuter(arm.Element, 0)) throw UnsupportedConstructException.NotYet($"{armWhat} with an arm that does not read the outer query beside arms that do");
            if (!arm.IsNullField("setOperations")) throw UnsupportedConstructException.NotYet($"{armWhat} nested in parentheses");
            var conditions = new List<BoundExpr>();
            var (armPlan, armColumns, apply) = BindLateral(arm, levelBinder, conditions, armWhat);
            if (apply is not null) throw UnsupportedConstructException.NotYet($"{armWhat} with an arm of aggregates without GROUP BY (one row for every outer row)");
            var armSignature = new List<ArmCorrelation>();
            var armKeys = new List<LogicalColumn>();
            var produced = armPlan.Output.Select(c => c.Id).ToHashSet();
            foreach (var c in conditions)
            {
                if (c is not BoundFuncCall { Args: [var a, var b] } f) throw UnsupportedConstructException.NotYet($"{armWhat} correlated other than by equalities");
                bool innerFirst = a is LogicalColumnRef ra && produced.Contains(ra.Column.Id);
                var inner = (LogicalColumnRef)(innerFirst ? a : b);
                armKeys.Add(inner.Column);
                armSignature.Add(new ArmCorrelation(f.FuncOid, f.Name, innerFirst, innerFirst ? b : a, inner.Column.Type));
            }
            if (signature is null) signature = armSignature;
            else if (!SameCorrelation(signature, armSignature))
                throw UnsupportedConstructException.NotYet($"{armWhat} whose arms are correlated by different outer expressions or operators");
            columns = armColumns;
            keys = armKeys;
            var passThrough = armColumns.Concat(armKeys).Select(c => new NamedExpr(_ids.New(c.Name, c.Type), new LogicalColumnRef(c))).ToList();
            var projected = new LogicalProject(armPlan, passThrough);
            columns = [.. passThrough.Take(armColumns.Count).Select(p => p.Column)];
            keys = [.. passThrough.Skip(armColumns.Count).Select(p => p.Column)];
            return projected;
        }
        if (node.Kind != "SETOPERATIONSTMT") throw node.Error($"expected SETOPERATIONSTMT or RANGETBLREF, found {node.Kind}");
        int op = node.Int32("op");
        bool all = node.Bool("all");
        var types = SetOperationTypes(node);
        var left = BindCorrelatedSetOperation(node.Field("larg"), scope, levelBinder, what, ref signature, out var leftColumns, out var leftKeys);
        var right = BindCorrelatedSetOperation(node.Field("rarg"), scope, levelBinder, what, ref signature, out var rightColumns, out var rightKeys);
        var keyTypes = signature!.Select(s => s.KeyType).ToList();
        left = CastBranch(left, [.. leftColumns, .. leftKeys], [.. types, .. keyTypes], node.Field("larg"));
        right = CastBranch(right, [.. rightColumns, .. rightKeys], [.. types, .. keyTypes], node.Field("rarg"));
        var names = leftColumns.Concat(leftKeys).Select(c => c.Name).ToList();
        var allTypes = types.Concat(keyTypes).ToList();
        var output = allTypes.Select((t, i) => _ids.New(names[i], t)).ToList();
        columns = output.Take(types.Count).ToList();
        keys = output.Skip(types.Count).ToList();
        switch (op)
        {
            case SetOpUnion:
                if (all) return new LogicalUnionAll([left, right], output);
                var unionColumns = allTypes.Select((t, i) => _ids.New(names[i], t)).ToList();
                return new LogicalAggregate(new LogicalUnionAll([left, right], unionColumns),
                    [.. output.Select((c, i) => new NamedExpr(c, new LogicalColumnRef(unionColumns[i])))], []);
            case SetOpIntersect:
                return new LogicalSetOp(left, right, SetOpKind.Intersect, all, output);
            case SetOpExcept:
                return new LogicalSetOp(left, right, SetOpKind.Except, all, output);
            default:
                throw node.Field("op").Error($"unknown set operation {op}");
        }
    }

    private static bool SameCorrelation(List<ArmCorrelation> a, List<ArmCorrelation> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.FuncOid == p.Second.FuncOid && p.First.InnerFirst == p.Second.InnerFirst
            && p.First.KeyType == p.Second.KeyType && BoundExprComparer.Instance.Equals(p.First.Outer, p.Second.Outer));
}
