using PgFusion.Planner.Json;

namespace PgFusion.Planner.Binding;

// LEFT JOIN removal for sub-queries (PostgreSQL's remove_useless_joins, analyzejoins.c). Its
// query_planner drops a left join whose inner side is one base relation that nothing above the
// join reads and that returns at most one row per outer row (join_is_removable), and it does so
// before make_one_rel plans the relations: a removed sub-query is never planned, so its constants
// are never folded and its WHERE never runs (seed 503 case 4216: `t4 a LEFT JOIN LATERAL (SELECT
// min(...) FROM t2 b WHERE ... ('1e308'::float8)::float4 ...) l ON true` returns t4's rows without
// the overflow). The binder leaves such a sub-query out before binding it.
public sealed partial class QueryBinder
{
    /// <summary>
    /// Whether the nullable side <paramref name="inner"/> of an outer join (a LEFT JOIN's right, a
    /// RIGHT JOIN's left: PostgreSQL makes both one JOIN_LEFT) is a sub-query PostgreSQL 15 removes:
    /// <list type="bullet">
    /// <item>a RANGETBLREF to a sub-query RTE (LATERAL or not), so the join's inner side is one base relation;</item>
    /// <item>no column of it is read anywhere in the query level (select list, WHERE, other joins,
    /// sub-links, later LATERAL items, through the JOIN's alias), not even in this join's ON: PostgreSQL
    /// allows ON references to it, but those only matter for the GROUP BY / DISTINCT forms (their
    /// columns must be equated with the outer side by mergejoinable ON clauses), which are not mirrored here;</item>
    /// <item>it is distinct for an empty clause list (query_is_distinct_for): no set-returning
    /// function in its select list, no GROUP BY, and either aggregates or HAVING without grouping
    /// sets, or exactly one empty grouping set (GROUP BY ()): at most one row whatever the outer row;</item>
    /// <item>its ON condition has no sub-link (kept out of this rule: the condition is bound without the join).</item>
    /// </list>
    /// Volatile functions in the sub-query do not keep PostgreSQL from removing it (only clauses
    /// with them are unusable as join clauses, and none is used here).
    /// </summary>
    private static bool IsRemovableOuterJoinSide(QueryTreeNode join, QueryTreeNode inner, BindScope scope)
    {
        if (inner.Kind != "RANGETBLREF" || scope.Query is not { } level) return false;
        int rti = inner.Int32("rtindex");
        var rte = scope.Entry(rti, inner.Field("rtindex"));
        if (rte.Int32("rtekind") != RteKind.Subquery || !IsAtMostOneRow(rte.Field("subquery"))) return false;
        if (join.Optional("quals") is { } quals && ExpressionBinder.HasNodeKind(quals.Element, "SUBLINK")) return false;
        return !ReadsRangeEntry(level, rti);
    }

    /// <summary>
    /// query_is_distinct_for with no join columns (PostgreSQL 15, analyzejoins.c): a target-list
    /// SRF breaks distinctness; with no GROUP BY, aggregates or HAVING give at most one row, and so
    /// does a lone empty grouping set. DISTINCT, GROUP BY columns and set operations prove
    /// distinctness only over join columns, of which there are none here.
    /// </summary>
    private static bool IsAtMostOneRow(QueryTreeNode sub)
    {
        if (sub.Bool("hasTargetSRFs") || !IsEmpty(sub.Optional("groupClause"))) return false;
        if (IsEmpty(sub.Optional("groupingSets"))) return sub.Bool("hasAggs") || !IsEmpty(sub.Optional("havingQual"));
        var sets = sub.List("groupingSets");
        return sets.Count == 1 && sets[0].Kind == "GROUPINGSET" && sets[0].Int32("kind") == GroupingSetEmpty;
    }
}
