using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;

namespace PgFusion.Planner.Binding;

// FROM: range-table entries and the join tree. The plan is built after all expressions are bound
// (scans then know their columns), so this returns a builder.
public sealed partial class QueryBinder
{
    private Func<BindScope, LogicalPlan> PrepareFrom(QueryTreeNode jointree, BindScope scope, ExpressionBinder binder)
    {
        if (jointree.RequireKind() != "FROMEXPR") throw jointree.Error($"expected FROMEXPR, found {jointree.Kind}");
        var fromList = jointree.List("fromlist");
        if (fromList.Count == 0) throw UnsupportedConstructException.NotYet("SELECT without FROM");
        // FROM a, b, c: a cross join chain; WHERE conjuncts become join conditions by predicate pushdown,
        // and so do the correlation equalities of LATERAL sub-queries.
        var lateral = new List<BoundExpr>();
        var items = fromList.Select(item => PrepareFromItem(item, scope, binder, lateral)).ToList();
        return s =>
        {
            var plan = items[0](s);
            for (int i = 1; i < items.Count; i++) plan = new LogicalJoin(plan, items[i](s), LogicalJoinType.Inner, null);
            return lateral.Count == 0 ? plan : new LogicalFilter(plan, PredicateSimplification.Conjunction(lateral));
        };
    }

    /// <param name="lateral">Receives the join conditions a LATERAL sub-query's correlation becomes (for the join or FROM list holding it).</param>
    private Func<BindScope, LogicalPlan> PrepareFromItem(QueryTreeNode item, BindScope scope, ExpressionBinder binder, List<BoundExpr> lateral)
    {
        switch (item.RequireKind())
        {
            case "RANGETBLREF":
                int rti = item.Int32("rtindex");
                var rte = scope.Entry(rti, item.Field("rtindex"));
                int kind = rte.Int32("rtekind");
                if (kind == RteKind.Subquery)
                {
                    if (rte.Optional("lateral")?.Bool() == true && ReadsOuter(rte.Field("subquery").Element, 0))
                    {
                        var (lateralPlan, columns) = BindLateral(rte.Field("subquery"), binder, lateral);
                        scope.SetSubquery(rti, columns);
                        return _ => lateralPlan;
                    }
                    var sub = BindQuery(rte.Field("subquery"));
                    RegisterPullUp(rte.Field("subquery"), sub);
                    scope.SetSubquery(rti, sub.ResultColumns);
                    return _ => sub.Root;
                }
                if (kind == RteKind.Cte)
                {
                    var (cteQuery, inlined) = BindCte(rte);
                    if (inlined is { } q) RegisterPullUp(q, cteQuery);
                    scope.SetSubquery(rti, cteQuery.ResultColumns);
                    return _ => cteQuery.Root;
                }
                if (kind != RteKind.Relation) throw UnsupportedConstructException.NotYet(RteKind.Describe(kind));
                var relation = CheckRelation(rte);
                string alias = rte.Optional("alias")?.Optional("aliasname")?.Text() ?? relation.Name;
                return s => new LogicalScan(rti, alias, relation, s.ColumnsOf(rti));
            case "JOINEXPR":
                return PrepareJoin(item, scope, binder);
            default:
                throw UnsupportedConstructException.NotYet($"FROM item {item.Kind}");
        }
    }

    /// <summary>
    /// A LATERAL sub-query in FROM that reads earlier FROM items: decorrelated when it is a plain
    /// SELECT-FROM-WHERE whose outer references are WHERE equalities inner_expr = outer_expr. Its rows
    /// are those of its FROM and local WHERE, projected to its outputs plus the inner expressions; the
    /// equalities go to <paramref name="lateral"/>, the condition of the join that holds it.
    /// </summary>
    private (LogicalPlan Plan, IReadOnlyList<LogicalColumn> Columns) BindLateral(QueryTreeNode sub, ExpressionBinder binder, List<BoundExpr> lateral)
    {
        const string what = "LATERAL subquery in FROM";
        if (!IsPlainSelect(sub))
            throw UnsupportedConstructException.NotYet($"{what} other than SELECT ... FROM ... WHERE (aggregates, DISTINCT, LIMIT or set operations)");
        var body = BindSubqueryBody(sub, binder, what);
        if (body.Correlations.Count == 0) throw UnsupportedConstructException.NotYet($"{what} that reads earlier FROM items outside its WHERE equalities");
        var targets = sub.List("targetList").Where(t => !t.Bool("resjunk")).ToList();
        var outputs = body.Outputs.Select((e, i) => new NamedExpr(_ids.New(ResultName(targets[i]), e.Type), e)).ToList();
        var keys = Keys(body);
        var plan = new LogicalProject(body.Plan, [.. outputs, .. keys]);
        VerifyColumns(plan, $"{what} that reads earlier FROM items outside its WHERE equalities");
        lateral.AddRange(body.Correlations.Select((c, i) => c.JoinCondition(keys[i].Column)));
        return (plan, [.. outputs.Select(o => o.Column)]);
    }

    /// <summary>
    /// A reference to a non-recursive WITH query, inlined: its query is bound again for every
    /// reference (a SELECT without side effects gives the same rows each time), with the WITH
    /// lists visible as they are where it is defined.
    /// </summary>
    /// <returns>The bound query, and its Query node when PostgreSQL inlines it as a sub-query (not materialized).</returns>
    private (BoundQuery Query, QueryTreeNode? Inlined) BindCte(QueryTreeNode rte)
    {
        string name = rte.String("ctename");
        int level = _cteStack.Count - 1 - rte.Int32("ctelevelsup");
        if (rte.Optional("self_reference")?.Bool() == true) throw UnsupportedConstructException.NotYet("WITH RECURSIVE");
        if (level < 0) throw rte.Error($"CTE {name} is {rte.Int32("ctelevelsup")} levels up, there are {_cteStack.Count}");
        QueryTreeNode? found = null;
        foreach (var c in _cteStack[level])
            if (c.String("ctename") == name) found = c;
        if (found is not { } cte) throw rte.Error($"CTE {name} is not in the WITH list {rte.Int32("ctelevelsup")} levels up");
        if (cte.Optional("cterecursive")?.Bool() == true) throw UnsupportedConstructException.NotYet("WITH RECURSIVE");
        var query = cte.Field("ctequery");
        if (query.RequireKind() != "QUERY") throw query.Error($"expected QUERY, found {query.Kind}");
        var saved = _cteStack;
        _cteStack = saved.GetRange(0, level + 1);
        try
        {
            var bound = BindQuery(query);
            return IsMaterialized(cte) ? (bound with { Root = KeepSelectList(bound.Root, [.. bound.ResultColumns.Select(c => c.Id)]) }, null) : (bound, query);
        }
        finally
        {
            _cteStack = saved;
        }
    }

    /// <summary>
    /// Whether PostgreSQL plans the CTE apart (subselect.c SS_process_ctes) instead of inlining it as
    /// a subquery: MATERIALIZED, or referenced more than once without NOT MATERIALIZED
    /// (ctematerialized: 0 default, 1 always, 2 never).
    /// </summary>
    private static bool IsMaterialized(QueryTreeNode cte)
    {
        int materialized = cte.Optional("ctematerialized")?.Int32() ?? 0;
        int references = cte.Optional("cterefcount")?.Int32() ?? 1;
        return materialized == 1 || (materialized == 0 && references > 1);
    }

    /// <summary>
    /// Marks the CTE's own select list (and a column-reordering projection above it) as
    /// <see cref="LogicalProject.KeepAll"/>; projections of sub-queries inside the CTE stay prunable,
    /// as PostgreSQL pulls those up.
    /// </summary>
    private static LogicalPlan KeepSelectList(LogicalPlan plan, HashSet<int> ids) => plan switch
    {
        LogicalProject p when p.Exprs.Any(e => ids.Contains(e.Column.Id)) => p.Exprs.All(e => e.Expr is LogicalColumnRef)
            ? p with { KeepAll = true, Input = KeepSelectList(p.Input, [.. p.Exprs.Select(e => ((LogicalColumnRef)e.Expr).Column.Id)]) }
            : p with { KeepAll = true },
        LogicalSort or LogicalLimit or LogicalFilter => plan.WithChildren([KeepSelectList(plan.Children[0], ids)]),
        _ => plan,
    };

    /// <summary>JoinExpr: jointype as PostgreSQL's JoinType enum (nodes.h): 0 inner, 1 left, 2 full, 3 right.</summary>
    private Func<BindScope, LogicalPlan> PrepareJoin(QueryTreeNode join, BindScope scope, ExpressionBinder binder)
    {
        int jointype = join.Int32("jointype");
        var kind = jointype switch
        {
            0 => LogicalJoinType.Inner,
            1 => LogicalJoinType.Left,
            2 => LogicalJoinType.Full,
            3 => LogicalJoinType.Right,
            _ => throw UnsupportedConstructException.NotYet($"join type {jointype} in FROM"),
        };
        var lateral = new List<BoundExpr>();
        bool saved = _noConstantPullUp;
        _noConstantPullUp = saved || kind is LogicalJoinType.Right or LogicalJoinType.Full;
        var left = PrepareFromItem(join.Field("larg"), scope, binder, lateral);
        _noConstantPullUp = saved || kind is LogicalJoinType.Left or LogicalJoinType.Full;
        var right = PrepareFromItem(join.Field("rarg"), scope, binder, lateral);
        _noConstantPullUp = saved;
        var condition = join.Optional("quals") is { } q ? binder.Bind(q) : null;
        if (condition is not null && condition.Type.Oid != Types.PgTypeOid.Bool) throw join.Field("quals").Error($"join condition of type {condition.Type}");
        // A LATERAL sub-query's correlation joins the ON condition (PostgreSQL allows LATERAL references only from the right of an inner or left join).
        if (lateral.Count > 0) condition = PredicateSimplification.Conjunction(condition is null ? lateral : [condition, .. lateral]);
        return s => new LogicalJoin(left(s), right(s), kind, condition);
    }

    private RelationInfo CheckRelation(QueryTreeNode rte)
    {
        var relation = Relation(rte);
        string name = relation.Name;
        char relkind = rte.Optional("relkind")?.Char() ?? relation.RelKind;
        switch (relkind)
        {
            case 'r':
            case 'm':
                break;
            case 'p': throw UnsupportedConstructException.NotYet($"partitioned table {name}");
            case 'f': throw UnsupportedConstructException.NotYet($"foreign table {name}");
            case 'v': throw UnsupportedConstructException.NotYet($"view {name} that was not expanded");
            default: throw UnsupportedConstructException.NotYet($"relation {name} of relkind '{relkind}'");
        }
        if (rte.Optional("inh")?.Bool() == true && relation.HasSubclass == true)
            throw UnsupportedConstructException.NotYet($"table {name} with inheritance children");
        if (!rte.IsNullField("tablesample")) throw UnsupportedConstructException.NotYet("TABLESAMPLE");
        if (rte.Optional("securityQuals")?.Items().Count > 0) throw UnsupportedConstructException.NotYet($"row-level security on {name}");
        return relation;
    }
}
