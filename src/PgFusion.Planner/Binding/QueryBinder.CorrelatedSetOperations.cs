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
// Arms correlated differently are keyed by all the correlations of both, the missing
// ones crossed in from the outer column's values (AlignCorrelations), under INTERSECT, under EXCEPT
// when the right arm's correlations are among the left's, and under UNION when both arms have the
// same ones in another order. Other mixes (a UNION of A(t.k) and B(t.a)) are bound again with NULL-safe
// keys (_setOpNullSafeKeys), when every outer expression is a table column of a type that has them.
public sealed partial class QueryBinder
{
    /// <summary>One arm's correlation: its equality function and argument order, the outer expression.</summary>
    private sealed record ArmCorrelation(uint FuncOid, string Name, bool InnerFirst, BoundExpr Outer, Types.PgType KeyType);

    private Func<BindScope, LogicalPlan> PrepareCorrelatedSetOperations(QueryTreeNode setOps, BindScope scope, LateralContext lateral)
    {
        var levelBinder = new ExpressionBinder(_envelope.Catalog, scope) { Outer = lateral.Outer, Output = _envelope.Output, Locale = _envelope.Locale };
        List<ArmCorrelation>? signature = null;
        bool nullSafe = _setOpNullSafeKeys, mismatch = _setOpKeysNeedNullSafe;
        _setOpKeysNeedNullSafe = false;
        LogicalPlan plan;
        IReadOnlyList<LogicalColumn> columns, keys;
        try
        {
            plan = BindCorrelatedSetOperation(setOps, scope, levelBinder, lateral.What, ref signature, out columns, out keys);
        }
        catch (UnsupportedConstructException) when (_setOpKeysNeedNullSafe && !_setOpNullSafeKeys)
        {
            // Arms correlated differently under UNION (or EXCEPT): bound again with NULL-safe keys.
            signature = null;
            _setOpNullSafeKeys = true;
            try
            {
                plan = BindCorrelatedSetOperation(setOps, scope, levelBinder, lateral.What, ref signature, out columns, out keys);
            }
            finally
            {
                _setOpNullSafeKeys = nullSafe;
            }
            nullSafe = true;
        }
        finally
        {
            _setOpKeysNeedNullSafe = mismatch;
        }
        if (signature is null || signature.Count == 0) throw UnsupportedConstructException.NotYet($"{lateral.What} with UNION/INTERSECT/EXCEPT whose arms do not read the outer query in WHERE equalities");
        scope.SetSubquery(LeftmostLeaf(setOps), columns);
        for (int i = 0; i < keys.Count; i++)
        {
            var s = signature[i];
            var key = new LogicalColumnRef(keys[i]);
            if (nullSafe)
            {
                lateral.Correlations.AddRange(NullSafeCorrelations(s.FuncOid, s.Name, key, s.Outer, s.InnerFirst));
                continue;
            }
            var eq = new BoundFuncCall(s.FuncOid, s.Name, s.InnerFirst ? [key, s.Outer] : [s.Outer, key], Types.PgType.Bool);
            lateral.Correlations.Add(new Correlation(eq, key, s.Outer, s.InnerFirst));
        }
        return _ => plan;
    }

    /// <summary>
    /// Binding a correlated set operation's arms with NULL-safe keys: every arm drops its rows whose
    /// own keys are NULL (a strict equality never matches them), a correlation an arm lacks is crossed
    /// in from all the values of the outer column, NULL included, and the level's correlations match
    /// NULL to NULL (<see cref="NullSafeCorrelations"/>). For an outer row (v, w), NULLs included, the
    /// rows keyed (v, w) are then exactly each arm's rows for that row (none for an arm whose own key
    /// is NULL), so UNION, INTERSECT and EXCEPT of arms correlated by any outer columns restricted to
    /// that key are what PostgreSQL computes for the row.
    /// </summary>
    private bool _setOpNullSafeKeys;

    /// <summary>Set when a set operation's arms are correlated in a way only NULL-safe keys handle.</summary>
    private bool _setOpKeysNeedNullSafe;

    /// <summary>Whether every correlation of the arms has constants for NULL-safe keys (<see cref="NullSafeSentinel"/>) and reads a table column.</summary>
    private static bool NullSafeKeysPossible(IEnumerable<ArmCorrelation> correlations) =>
        correlations.All(c => c.Outer is LogicalColumnRef && NullSafeSentinel(c.Outer.Type) is not null && NullSafeSentinel(c.KeyType) is not null);

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
            if (!arm.IsNullField("setOperations")) throw UnsupportedConstructException.NotYet($"{armWhat} nested in parentheses");
            var conditions = new List<BoundExpr>();
            var (armPlan, armColumns, apply) = BindLateral(arm, levelBinder, conditions, armWhat);
            if (apply is not null) throw UnsupportedConstructException.NotYet($"{armWhat} with an arm of aggregates without GROUP BY (one row for every outer row)");
            if (_setOpNullSafeKeys)
            {
                var armOutput = ColumnIds.Of(armPlan.Output);
                var keyColumns = conditions.Select(c => c is BoundFuncCall { Args: [var a, var b] }
                    ? a is LogicalColumnRef ra && armOutput.Contains(ra.Column.Id) ? ra : b is LogicalColumnRef rb && armOutput.Contains(rb.Column.Id) ? rb : null
                    : null).ToList();
                if (keyColumns.Any(k => k is null)) throw UnsupportedConstructException.NotYet($"{armWhat} correlated other than by equalities");
                if (keyColumns.Count > 0)
                    armPlan = new LogicalFilter(armPlan, Rules.PredicateSimplification.Conjunction([.. keyColumns.Select(k => (BoundExpr)new BoundNullTest(k!, IsNotNull: true))]));
            }
            var armSignature = new List<ArmCorrelation>();
            var armKeys = new List<LogicalColumn>();
            var produced = ColumnIds.Of(armPlan.Output);
            foreach (var c in conditions)
            {
                if (c is not BoundFuncCall { Args: [var a, var b] } f) throw UnsupportedConstructException.NotYet($"{armWhat} correlated other than by equalities");
                bool innerFirst = a is LogicalColumnRef ra && produced.Contains(ra.Column.Id);
                var inner = (LogicalColumnRef)(innerFirst ? a : b);
                armKeys.Add(inner.Column);
                armSignature.Add(new ArmCorrelation(f.FuncOid, f.Name, innerFirst, innerFirst ? b : a, inner.Column.Type));
            }
            signature = armSignature;
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
        List<ArmCorrelation>? leftSignature = null, rightSignature = null;
        var left = BindCorrelatedSetOperation(node.Field("larg"), scope, levelBinder, what, ref leftSignature, out var leftColumns, out var leftKeys);
        var right = BindCorrelatedSetOperation(node.Field("rarg"), scope, levelBinder, what, ref rightSignature, out var rightColumns, out var rightKeys);
        var nodeSignature = leftSignature!;
        if (!SameCorrelation(leftSignature!, rightSignature!))
        {
            // INTERSECT of arms correlated by different outer columns, or EXCEPT whose right arm reads
            // no outer column the left does not: see AlignCorrelations.
            bool rightWithinLeft = rightSignature!.All(r => leftSignature!.Any(l => SameKey(l, r)));
            bool leftWithinRight = leftSignature!.All(l => rightSignature!.Any(r => SameKey(l, r)));
            if (!_setOpNullSafeKeys && !(op == SetOpIntersect || (op == SetOpExcept && rightWithinLeft) || (rightWithinLeft && leftWithinRight)))
            {
                _setOpKeysNeedNullSafe = NullSafeKeysPossible(leftSignature!.Concat(rightSignature!));
                throw UnsupportedConstructException.NotYet($"{armWhat} whose arms are correlated by different outer expressions or operators (other than INTERSECT, EXCEPT whose right arm's are among its left arm's, or the same ones in another order), not all of them table columns of types with NULL-safe keys here");
            }
            nodeSignature = [.. leftSignature!, .. rightSignature!.Where(r => !leftSignature!.Any(l => SameKey(l, r)))];
            left = AlignCorrelations(left, leftColumns, leftKeys, leftSignature!, nodeSignature, levelBinder, armWhat, out leftColumns, out leftKeys);
            right = AlignCorrelations(right, rightColumns, rightKeys, rightSignature!, nodeSignature, levelBinder, armWhat, out rightColumns, out rightKeys);
        }
        if (signature is null) signature = nodeSignature;
        else if (!SameCorrelation(signature, nodeSignature))
            throw UnsupportedConstructException.NotYet($"{armWhat} whose arms are correlated by different outer expressions or operators");
        var keyTypes = nodeSignature.Select(s => s.KeyType).ToList();
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

    /// <summary>
    /// An arm's rows keyed by every correlation of <paramref name="target"/> (a superset of its own
    /// <paramref name="own"/>, in that order): a correlation the arm does not have takes every value
    /// of its outer column, crossed in from the DISTINCT non-NULL values of that column's table (a
    /// NULL outer value matches no key by the strict equality, and no row of the arms that read it).
    /// For an outer row (v, w) the rows keyed (v, w) are then the arm's rows for v, so INTERSECT of
    /// A(v) and B(w) is the INTERSECT of the rows keyed (v, w), and EXCEPT too when the right arm reads
    /// only keys the left one has (a NULL among the left's keys leaves no rows, as A(v) is empty).
    /// </summary>
    private LogicalPlan AlignCorrelations(LogicalPlan plan, IReadOnlyList<LogicalColumn> columns, IReadOnlyList<LogicalColumn> keys, List<ArmCorrelation> own,
        List<ArmCorrelation> target, ExpressionBinder levelBinder, string what, out IReadOnlyList<LogicalColumn> alignedColumns, out IReadOnlyList<LogicalColumn> alignedKeys)
    {
        var aligned = new List<LogicalColumn>();
        foreach (var t in target)
        {
            int at = own.FindIndex(o => SameKey(o, t));
            if (at >= 0)
            {
                aligned.Add(keys[at]);
                continue;
            }
            // the outer column's own level: the enclosing query, or one further out
            var outerBinder = levelBinder.Outer;
            while (outerBinder is not null && t.Outer is LogicalColumnRef r && outerBinder.Scope.Origin(r.Column) is null) outerBinder = outerBinder.Outer;
            if (t.Outer is not LogicalColumnRef outerRef || outerBinder is null || outerBinder.Scope.Origin(outerRef.Column) is not { } origin
                || outerBinder.Scope.RangeTable[origin.Rti - 1].Int32("rtekind") != RteKind.Relation)
                throw UnsupportedConstructException.NotYet($"{what} whose arms are correlated by different outer expressions, one not a table column");
            if (t.Outer.Type != t.KeyType) throw UnsupportedConstructException.NotYet($"{what} whose arms are correlated by different outer columns, compared across types");
            var rte = outerBinder.Scope.RangeTable[origin.Rti - 1];
            var relation = Relation(rte);
            string alias = rte.Optional("alias")?.Optional("aliasname")?.Text() ?? relation.Name;
            var scanned = _ids.New(outerRef.Column.Name, outerRef.Column.Type);
            var scan = new LogicalScan(origin.Rti, alias, relation, [new ScanColumn(origin.AttNum, scanned)]);
            var value = _ids.New(outerRef.Column.Name, t.KeyType);
            // NULL-safe keys (PrepareCorrelatedSetOperations) keep the NULL value: an outer row with a NULL there gets the arm's rows too.
            var domain = new LogicalAggregate(_setOpNullSafeKeys ? scan : new LogicalFilter(scan, new BoundNullTest(new LogicalColumnRef(scanned), IsNotNull: true)),
                [new NamedExpr(value, new LogicalColumnRef(scanned))], []);
            plan = new LogicalJoin(plan, domain, LogicalJoinType.Inner, null);
            aligned.Add(value);
        }
        var passThrough = columns.Concat(aligned).Select(c => new NamedExpr(_ids.New(c.Name, c.Type), new LogicalColumnRef(c))).ToList();
        alignedColumns = [.. passThrough.Take(columns.Count).Select(p => p.Column)];
        alignedKeys = [.. passThrough.Skip(columns.Count).Select(p => p.Column)];
        return new LogicalProject(plan, passThrough);
    }

    private static bool SameKey(ArmCorrelation a, ArmCorrelation b) =>
        a.FuncOid == b.FuncOid && a.InnerFirst == b.InnerFirst && a.KeyType == b.KeyType && BoundExprComparer.Instance.Equals(a.Outer, b.Outer);

    private static bool SameCorrelation(List<ArmCorrelation> a, List<ArmCorrelation> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.FuncOid == p.Second.FuncOid && p.First.InnerFirst == p.Second.InnerFirst
            && p.First.KeyType == p.Second.KeyType && BoundExprComparer.Instance.Equals(p.First.Outer, p.Second.Outer));
}
