using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// LATERAL sub-queries with GROUP BY, aggregates or DISTINCT, correlated by WHERE equalities
// inner_expr = outer_expr. The sub-query is bound as a whole Query level whose correlation
// conjuncts are taken out of its WHERE: their inner expressions become further GROUP BY (and
// DISTINCT) keys and further outputs, so the sub-query runs once for all outer rows and each
// group belongs to one key. With GROUP BY or DISTINCT its rows join the outer ones on the
// equalities (an outer row without rows has none, as in PostgreSQL). Aggregates without GROUP BY
// give exactly one row per outer row: the sub-query is left-joined (an apply of the FROM item) and
// an outer row without a group gets the aggregates of no rows (count 0, the others NULL) put into
// the select list. LIMIT/OFFSET (a limit per outer row), set operations, grouping sets, DISTINCT ON
// and correlations other than WHERE equalities stay Unsupported.
public sealed partial class QueryBinder
{
    private const string LateralWhat = "LATERAL subquery in FROM";

    /// <summary>The outer binder of a LATERAL sub-query bound as a Query level, and what the level gives back.</summary>
    private sealed class LateralContext(ExpressionBinder outer, string what)
    {
        public ExpressionBinder Outer { get; } = outer;

        /// <summary>What the sub-query is, for Unsupported messages (a LATERAL sub-query, or a scalar one bound the same way).</summary>
        public string What { get; } = what;

        public List<Correlation> Correlations { get; } = [];

        /// <summary>The sub-query's outputs after its result columns: one per correlation, then the marker when <see cref="OneRowPerOuterRow"/>.</summary>
        public List<LogicalColumn> Carried { get; private set; } = [];

        public bool OneRowPerOuterRow { get; set; }

        /// <summary>Per result column, its value over no rows (<see cref="OneRowPerOuterRow"/> only).</summary>
        public List<BoundExpr> EmptyValues { get; } = [];

        public void SetOutputs(List<LogicalColumn> carried) => Carried = carried;
    }

    /// <summary>A FROM item joined to the plan of the items before it (a left join unless <paramref name="Kind"/> says otherwise, then the columns the outer query reads).</summary>
    private sealed record LateralApply(LogicalPlan Right, BoundExpr Condition, IReadOnlyList<NamedExpr> Outputs, LogicalJoinType Kind = LogicalJoinType.Left)
    {
        /// <summary>The sub-query is a query level of its own, the inner input of a nested loop (<see cref="LogicalJoin.LateralInner"/>).</summary>
        public bool LateralInner { get; init; }

        public LogicalPlan Apply(LogicalPlan left) =>
            new LogicalProject(new LogicalJoin(left, Right, Kind, Condition) { Subquery = true, LateralInner = LateralInner },
                [.. left.Output.Select(c => new NamedExpr(c, new LogicalColumnRef(c))), .. Outputs]);
    }

    /// <summary>Moves the WHERE conjuncts that read the outer query into the context as correlations; returns their inner expressions as keys.</summary>
    /// <param name="mayRaise">Whether the sub-query evaluates something that can raise (<see cref="MayRaise"/>) with
    /// the given WHERE conjuncts: then equalities go through the domain too (QueryBinder.OuterRowDomain).</param>
    private List<NamedExpr> ExtractLateralCorrelations(ref LogicalPlan plan, WhereClause where, LateralContext lateral, bool groupingSets, Func<IEnumerable<BoundExpr>, bool> mayRaise)
    {
        if (groupingSets) throw UnsupportedConstructException.NotYet($"{lateral.What} with GROUPING SETS, ROLLUP or CUBE");
        var produced = ColumnIds.Of(plan.Output);
        bool Inner(BoundExpr e) => e.ReferencedColumns().Any() && e.ReferencedColumns().All(c => produced.Contains(c.Id));
        bool Outer(BoundExpr e) => e.ReferencedColumns().Any() && e.ReferencedColumns().All(c => !produced.Contains(c.Id));
        var local = new List<BoundExpr>();
        var others = new List<BoundExpr>();
        var written = where.Plain.ToList();
        foreach (var p in where.Plain)
        {
            if (p.ReferencedColumns().All(c => produced.Contains(c.Id)))
                local.Add(p);
            else if (p is BoundFuncCall { Args: [var a, var b] } eq && Physical.PhysicalPlanner.IsStrictComparison(eq) && (Inner(a) && Outer(b) || Inner(b) && Outer(a)))
                lateral.Correlations.Add(new Correlation(eq, Inner(a) ? a : b, Inner(a) ? b : a, Inner(a)));
            else
                others.Add(p);
        }
        where.Plain.Clear();
        where.Plain.AddRange(local);
        if (others.Count > 0 || mayRaise(written) && lateral.Correlations.Count > 0)
        {
            // Other correlation, or equalities around something that can raise: through the domain
            // of the outer columns (QueryBinder.Domain, QueryBinder.OuterRowDomain). The whole WHERE
            // goes into the domain join's filter (its own conjuncts too).
            var decorrelated = DomainDecorrelate(plan, written, lateral.Outer, out var reason);
            if (decorrelated is null && others.Count == 0)
            {
                // Without a domain, equalities stay grouped by their inner side: the sub-query's own
                // conjuncts, the equalities' inner sides, its select list and aggregates then run on
                // all its rows, also those no outer row matches, so it stays with PostgreSQL when one
                // of them can raise. An equality's outer side (do1.k + 1) runs per outer row in the
                // join back, as in PostgreSQL.
                if (mayRaise([.. local, .. lateral.Correlations.Select(c => c.Inner)]))
                    throw UnsupportedConstructException.NotYet($"{lateral.What} that evaluates an expression that can raise on its own rows, correlated by equalities, and that {reason}");
                return [.. lateral.Correlations.Select(c => new NamedExpr(_ids.New("key", c.Inner.Type), c.Inner))];
            }
            if (decorrelated is null) throw UnsupportedConstructException.NotYet($"{lateral.What} whose references to the outer query are not equalities in its WHERE and that {reason}");
            plan = decorrelated.Value.Plan;
            where.Plain.Clear();
            lateral.Correlations.Clear();
            lateral.Correlations.AddRange(decorrelated.Value.Correlations);
        }
        return [.. lateral.Correlations.Select(c => new NamedExpr(_ids.New("key", c.Inner.Type), c.Inner))];
    }

    /// <summary>
    /// Adds the correlation keys (and for an ungrouped aggregate a marker) to the sub-query's select
    /// list; records each result column's value over no rows for an ungrouped aggregate.
    /// </summary>
    private List<LogicalColumn> LateralOutputs(LateralContext lateral, List<NamedExpr> keys, bool ungroupedAggregate, IReadOnlyList<Json.QueryTreeNode> targetList,
        List<BoundExpr> tleExprs, AggregateCollector? aggregates, List<NamedExpr> projections)
    {
        var carried = new List<LogicalColumn>();
        foreach (var k in keys)
        {
            // Grouped, the aggregate outputs the key column; otherwise the projection computes the inner expression.
            var column = _ids.New(k.Column.Name, k.Column.Type);
            projections.Add(new NamedExpr(column, aggregates is null ? k.Expr : new LogicalColumnRef(k.Column)));
            carried.Add(column);
        }
        if (!ungroupedAggregate) return carried;
        lateral.OneRowPerOuterRow = true;
        for (int i = 0; i < targetList.Count; i++)
        {
            if (targetList[i].Bool("resjunk")) continue;
            var empty = tleExprs[i].TransformUp(e => e is LogicalColumnRef r && aggregates!.Aggregates.FirstOrDefault(a => a.Column.Id == r.Column.Id) is { } a
                ? new BoundConst(IsCount(a.Aggregate) ? 0L : null, a.Column.Type)
                : e);
            if (empty.ReferencedColumns().Any())
                throw UnsupportedConstructException.NotYet($"{lateral.What} whose select list over no rows reads columns other than its aggregates");
            lateral.EmptyValues.Add(empty);
        }
        var marker = _ids.New("matched", PgType.Bool);
        projections.Add(new NamedExpr(marker, new BoundConst(true, PgType.Bool)));
        carried.Add(marker);
        return carried;
    }

    /// <summary>
    /// A correlated LATERAL sub-query that is not a plain SELECT-FROM-WHERE. Returns its plan and
    /// columns; the join conditions go to <paramref name="lateral"/>, or, for one aggregate row per
    /// outer row, the returned <see cref="LateralApply"/> replaces the join.
    /// </summary>
    /// <param name="what">The sub-query's description in Unsupported messages.</param>
    private (LogicalPlan Plan, IReadOnlyList<LogicalColumn> Columns, LateralApply? Apply) BindLateralQuery(Json.QueryTreeNode sub, ExpressionBinder binder, List<BoundExpr> lateral, string what = LateralWhat)
    {
        bool ungrouped = sub.List("groupClause").Count == 0 && sub.List("groupingSets").Count == 0;
        if (HasLimit(sub) && ungrouped && sub.Bool("hasAggs"))
            throw UnsupportedConstructException.NotYet($"{what} with aggregates, no GROUP BY and LIMIT or OFFSET (one row per outer row, limited)");
        if (ungrouped && !sub.IsNullField("havingQual")) throw UnsupportedConstructException.NotYet($"{what} with HAVING but no GROUP BY");
        CheckQueryLevel(sub, withAndSetOperations: sub.List("cteList").Count == 0);
        var context = new LateralContext(binder, what);
        BoundQuery bound;
        _cteStack.Add([]);
        try
        {
            bound = BindQueryLevel(sub, context);
        }
        finally
        {
            _cteStack.RemoveAt(_cteStack.Count - 1);
        }
        if (context.Correlations.Count == 0)
            throw UnsupportedConstructException.NotYet($"{what} that reads the outer query (earlier FROM items) outside its WHERE equalities");
        VerifyColumns(bound.Root, $"{what} that reads the outer query (earlier FROM items) outside its WHERE equalities");
        var conditions = context.Correlations.Select((c, i) => c.JoinCondition(context.Carried[i])).ToList();
        if (!context.OneRowPerOuterRow)
        {
            lateral.AddRange(conditions);
            return (bound.Root, bound.ResultColumns, null);
        }
        var marker = context.Carried[^1];
        var outputs = bound.ResultColumns.Select((c, i) =>
        {
            var empty = context.EmptyValues[i];
            BoundExpr value = empty is BoundConst { Value: null }
                ? new LogicalColumnRef(c)
                : new BoundCase([(new BoundNullTest(new LogicalColumnRef(marker), IsNotNull: false), empty)], new LogicalColumnRef(c), c.Type);
            return new NamedExpr(_ids.New(c.Name, c.Type), value);
        }).ToList();
        var apply = new LateralApply(bound.Root, PredicateSimplification.Conjunction(conditions), outputs);
        return (bound.Root, [.. outputs.Select(o => o.Column)], apply);
    }
}
