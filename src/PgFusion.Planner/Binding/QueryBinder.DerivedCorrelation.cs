using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// A subquery in FROM (not LATERAL) of a correlated subquery that reads the enclosing query, as in
// (SELECT sum(v) FROM (SELECT x AS v FROM t2 WHERE t2.k = t1.k) d) or
// LATERAL (SELECT sum(v) FROM (SELECT ... WHERE t2.k = t1.k ORDER BY y LIMIT 3) d). It is bound like
// a LATERAL sub-query whose outer query is the enclosing one: its correlation equalities
// inner = outer take their inner expressions out as further outputs (further GROUP BY or DISTINCT
// keys, a LIMIT per key), so it runs once for every key; the equalities key = outer then join the
// WHERE of the level holding it (ExpressionBinder.LiftedCorrelations), where they are that level's
// own correlations and decorrelate with it. For one outer value v, the rows the derived table gives
// for key v are exactly those it gives when evaluated for v, so filtering by key = v is exact.
//
// Aggregates without GROUP BY give one row for every outer value, even one without rows (count 0),
// which filtering by key = v cannot give. Those run over the domain D of the outer columns their
// correlation reads (DISTINCT over a second scan of their table, NULL included when there is one):
// D left-joined to the aggregate grouped by its keys gives every value its row (the aggregates of no
// rows for a value without a group, or a NULL one), and the lifted correlation is d IS NOT DISTINCT
// FROM outer, written as hashable equalities: d = outer for a NOT NULL column, else
// coalesce(d, z) = coalesce(outer, z) AND (d IS NULL) = (outer IS NULL) for a constant z of the type.
public sealed partial class QueryBinder
{
    private (LogicalPlan Plan, IReadOnlyList<LogicalColumn> Columns) BindDerivedCorrelated(Json.QueryTreeNode sub, ExpressionBinder binder, List<BoundExpr> lateral)
    {
        const string what = "subquery in FROM that reads an enclosing query";
        var conditions = new List<BoundExpr>();
        var (plan, columns, apply) = BindLateral(sub, binder, conditions, what);
        if (apply is not null) return DerivedOneRowPerValue(apply, binder, lateral, $"{what} with aggregates and no GROUP BY");
        lateral.AddRange(conditions);
        return (plan, columns);
    }

    private (LogicalPlan Plan, IReadOnlyList<LogicalColumn> Columns) DerivedOneRowPerValue(LateralApply apply, ExpressionBinder binder, List<BoundExpr> lateral, string what)
    {
        var produced = ColumnIds.Of(apply.Right.Output);
        var outerColumns = apply.Condition.ReferencedColumns().Where(c => !produced.Contains(c.Id)).DistinctBy(c => c.Id).ToList();
        if (outerColumns.Count == 0) throw UnsupportedConstructException.NotYet($"{what} that reads no column of the enclosing query in its WHERE");
        var origins = new List<(LogicalColumn Column, ExpressionBinder Level, int Rti, int AttNum, bool Nullable)>();
        foreach (var c in outerColumns)
        {
            (int Rti, int AttNum)? origin = null;
            var level = binder.Outer;
            while (level is not null && (origin = level.Scope.Origin(c)) is null) level = level.Outer;
            if (level is null || origin is not { } o || level.Scope.RangeTable[o.Rti - 1].Int32("rtekind") != RteKind.Relation || EqualityFor(c.Type) is null)
                throw UnsupportedConstructException.NotYet($"{what} whose correlation reads {c.Name}, which is not a table column of an enclosing query of a type with a hashable equality");
            bool nullable = !Relation(level.Scope.RangeTable[o.Rti - 1]).Layout.Attribute(o.AttNum).NotNull;
            if (nullable && ZeroOf(EqualityFor(c.Type)!.Value.ComparedAs) is null)
                throw UnsupportedConstructException.NotYet($"{what} whose correlation reads the nullable column {c.Name} of type {TypeLabel(c.Type.Oid)}");
            origins.Add((c, level, o.Rti, o.AttNum, nullable));
        }

        // One DISTINCT per table; columns of several tables take the cross product of their domains.
        var toDomain = new Dictionary<int, LogicalColumn>();
        LogicalPlan? domain = null;
        foreach (var table in origins.GroupBy(o => (o.Level, o.Rti)))
        {
            // Only the rows the enclosing level's WHERE keeps (QueryBinder.OuterRowDomain).
            var (source, sourceColumns) = OuterRowsOf(table.Key.Level, table.Key.Rti, [.. table.Select(o => o.AttNum)]);
            var keys = sourceColumns.Select(s => new NamedExpr(_ids.New(s.Name, s.Type), new LogicalColumnRef(s))).ToList();
            foreach (var (o, k) in table.Zip(keys)) toDomain[o.Column.Id] = k.Column;
            LogicalPlan distinct = new LogicalAggregate(source, keys, []);
            domain = domain is null ? distinct : new LogicalJoin(domain, distinct, LogicalJoinType.Inner, null);
        }
        var condition = apply.Condition.RenameColumns(toDomain);
        var joined = new LogicalJoin(domain!, apply.Right, LogicalJoinType.Left, condition);
        var values = origins.Select(o => new NamedExpr(_ids.New(o.Column.Name, o.Column.Type), new LogicalColumnRef(toDomain[o.Column.Id]))).ToList();
        var plan = new LogicalProject(joined, [.. apply.Outputs, .. values]);
        VerifyColumns(plan, $"{what} that reads the enclosing query outside its WHERE equalities");
        foreach (var (o, v) in origins.Zip(values))
        {
            var (eq, comparedAs) = EqualityFor(o.Column.Type)!.Value;
            BoundExpr d = new LogicalColumnRef(v.Column), c = new LogicalColumnRef(o.Column);
            if (comparedAs != o.Column.Type) (d, c) = (new BoundRelabel(d, comparedAs), new BoundRelabel(c, comparedAs));
            if (!o.Nullable)
            {
                lateral.Add(new BoundFuncCall(eq.Oid, eq.Name, [d, c], PgType.Bool));
                continue;
            }
            var zero = new BoundConst(ZeroOf(comparedAs), comparedAs);
            lateral.Add(new BoundFuncCall(eq.Oid, eq.Name, [new BoundCoalesce([d, zero], comparedAs), new BoundCoalesce([c, zero], comparedAs)], PgType.Bool));
            lateral.Add(new BoundFuncCall(60, "booleq", [new BoundNullTest(d, IsNotNull: false), new BoundNullTest(c, IsNotNull: false)], PgType.Bool));
        }
        return (plan, [.. apply.Outputs.Select(o => o.Column)]);
    }

    /// <summary>A constant of the type standing in for NULL beside an IS NULL key (any value does), or null for types without one here.</summary>
    private static object? ZeroOf(PgType type) => type.Oid switch
    {
        PgTypeOid.Int2 => (short)0,
        PgTypeOid.Int4 or PgTypeOid.Date => 0,
        PgTypeOid.Int8 or PgTypeOid.Timestamp or PgTypeOid.Timestamptz or PgTypeOid.Time => 0L,
        PgTypeOid.Float4 => 0f,
        PgTypeOid.Float8 => 0d,
        PgTypeOid.Bool => false,
        PgTypeOid.Text or PgTypeOid.Bpchar => "",
        _ => null,
    };
}
