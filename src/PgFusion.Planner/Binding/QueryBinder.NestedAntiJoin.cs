using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// NOT EXISTS inside the WHERE of an EXISTS, IN or ANY/ALL sub-query joined as a semi or anti join,
// the inner one reading the outermost query (relational division: "customers who ordered every part"):
//   NOT EXISTS (SELECT FROM p WHERE NOT EXISTS (SELECT FROM o WHERE o.part = p.id AND o.cust = c.id))
// Unlike EXISTS inside EXISTS (QueryBinder.NestedSemiJoin) this cannot be flattened. The middle
// sub-query's rows are crossed with the domain D of the outermost columns the inner one reads
// (DISTINCT over a second scan of their table, plus one all-NULL row when a column may be NULL), the
// inner anti join reads those columns from D, and the outer join pairs each outer row with the D row
// of its own values (d = c, or d = c OR (d IS NULL AND c IS NULL) for a nullable column): for an outer
// row the middle rows it meets are exactly the rows the middle sub-query gives when evaluated for it.
public sealed partial class QueryBinder
{
    /// <summary>
    /// <paramref name="plan"/> crossed with the domain of the outer columns a nested anti join's
    /// condition reads, then anti-joined with those columns read from the domain; the pairing
    /// conditions go to <paramref name="outerCondition"/>. Null when the join is not such an anti join
    /// or an outer column is not a table column of <paramref name="outer"/>'s query with a hashable equality.
    /// </summary>
    private LogicalPlan? NestedAntiJoinWithDomain(SubqueryJoin join, LogicalPlan plan, List<BoundExpr> outerCondition, ExpressionBinder outer)
    {
        if (join.Kind != LogicalJoinType.Anti || join.Condition is null) return null;
        var inputs = plan.Output.Concat(join.Right.Output).Select(c => c.Id).ToHashSet();
        var columns = new[] { join.Condition, join.Check }.OfType<BoundExpr>().SelectMany(e => e.ReferencedColumns())
            .Where(c => !inputs.Contains(c.Id)).DistinctBy(c => c.Id).ToList();
        if (columns.Count == 0) return null;
        var origins = new List<(LogicalColumn Column, int Rti, int AttNum, bool Nullable)>();
        foreach (var c in columns)
        {
            if (outer.Scope.Origin(c) is not { } o || outer.Scope.RangeTable[o.Rti - 1].Int32("rtekind") != RteKind.Relation || EqualityFor(c.Type) is null) return null;
            var attribute = Relation(outer.Scope.RangeTable[o.Rti - 1]).Layout.Attribute(o.AttNum);
            origins.Add((c, o.Rti, o.AttNum, !attribute.NotNull));
        }
        var toDomain = new Dictionary<int, LogicalColumn>();
        LogicalPlan? domain = null;
        foreach (var table in origins.GroupBy(o => o.Rti))
        {
            var rte = outer.Scope.RangeTable[table.Key - 1];
            var relation = Relation(rte);
            string alias = rte.Optional("alias")?.Optional("aliasname")?.Text() ?? relation.Name;
            var scanColumns = table.Select(o => new ScanColumn(o.AttNum, _ids.New(o.Column.Name, o.Column.Type))).ToList();
            LogicalPlan values = new LogicalScan(table.Key, alias, relation, scanColumns);
            var valueColumns = scanColumns.Select(s => s.Column).ToList();
            if (table.Any(o => o.Nullable))
            {
                // The all-NULL row stands for outer rows with NULLs, which the scan's DISTINCT may lack.
                var projected = new LogicalProject(values, [.. valueColumns.Select(v => new NamedExpr(_ids.New(v.Name, v.Type), new LogicalColumnRef(v)))]);
                var nulls = new LogicalProject(new LogicalOneRow(), [.. table.Select(o => new NamedExpr(_ids.New(o.Column.Name, o.Column.Type), new BoundConst(null, o.Column.Type)))]);
                valueColumns = [.. table.Select(o => _ids.New(o.Column.Name, o.Column.Type))];
                values = new LogicalUnionAll([projected, nulls], valueColumns);
            }
            var keys = valueColumns.Select(v => new NamedExpr(_ids.New(v.Name, v.Type), new LogicalColumnRef(v))).ToList();
            foreach (var (o, k) in table.Zip(keys)) toDomain[o.Column.Id] = k.Column;
            LogicalPlan distinct = new LogicalAggregate(values, keys, []);
            domain = domain is null ? distinct : new LogicalJoin(domain, distinct, LogicalJoinType.Inner, null);
        }
        BoundExpr? Substitute(BoundExpr? e) => e?.RenameColumns(toDomain);
        var crossed = new LogicalJoin(plan, domain!, LogicalJoinType.Inner, null);
        foreach (var o in origins)
        {
            BoundExpr d = new LogicalColumnRef(toDomain[o.Column.Id]), c = new LogicalColumnRef(o.Column);
            var (eq, comparedAs) = EqualityFor(o.Column.Type)!.Value;
            BoundExpr equal = comparedAs == o.Column.Type
                ? new BoundFuncCall(eq.Oid, eq.Name, [d, c], PgType.Bool)
                : new BoundFuncCall(eq.Oid, eq.Name, [new BoundRelabel(d, comparedAs), new BoundRelabel(c, comparedAs)], PgType.Bool);
            outerCondition.Add(!o.Nullable ? equal : new BoundBoolExpr(BoolOp.Or,
                [equal, new BoundBoolExpr(BoolOp.And, [new BoundNullTest(d, IsNotNull: false), new BoundNullTest(c, IsNotNull: false)])]));
        }
        return (join with { Condition = Substitute(join.Condition), Check = Substitute(join.Check) }).Apply(crossed);
    }
}
