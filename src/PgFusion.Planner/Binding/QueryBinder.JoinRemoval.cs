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
    /// <item>its ON condition has no sub-link (kept out of this rule: the condition is bound without the join);</item>
    /// <item>no WHERE (or inner-join ON) conjunct whose scope holds it reads no column of the level (<see cref="HasVarFreeQual"/>).</item>
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
        return !ReadsRangeEntry(level, rti) && !HasVarFreeQual(level.Field("jointree"), rti);
    }

    /// <summary>
    /// A conjunct that reads no column of this level (<c>WHERE false</c>, <c>WHERE NULL::bool</c>,
    /// <c>random() &gt; 2</c>, an uncorrelated EXISTS) in WHERE or in the ON of an inner join whose scope
    /// holds range-table entry <paramref name="rti"/>. distribute_qual_to_rels gives a qual without
    /// columns the relations of its syntactic scope, the removable side's too, and join_is_removable
    /// then keeps the join: the sub-query is planned, its constants folded (seed 710 case 6:
    /// <c>t1 a LEFT JOIN LATERAL (SELECT max(..) .. WHERE (3000000000)::int4 &lt; b.c4) l ON true WHERE
    /// false</c> overflows while planning). A constant false in the ON of an inner join beside the
    /// LEFT JOIN (<c>a JOIN c ON false LEFT JOIN l ON true</c>) does not keep it, nor does one in the
    /// removed join's own ON. make_ands_implicit drops a constant true. (A conjunct that folds to true,
    /// <c>1 = 1</c>, is not recognized: the join stays, and its sub-query is planned here where
    /// PostgreSQL removes it.)
    /// </summary>
    private static bool HasVarFreeQual(QueryTreeNode node, int rti)
    {
        if (!Holds(node, rti)) return false;
        return node.Kind switch
        {
            "FROMEXPR" => VarFreeQuals(node) || node.List("fromlist").Any(f => HasVarFreeQual(f, rti)),
            "JOINEXPR" => (node.Int32("jointype") == 0 && VarFreeQuals(node)) || HasVarFreeQual(node.Field("larg"), rti) || HasVarFreeQual(node.Field("rarg"), rti),
            _ => false,
        };
    }

    private static bool VarFreeQuals(QueryTreeNode node) => node.Optional("quals") is { } quals && JsonConjuncts(quals).Any(IsVarFree);

    /// <summary>Whether a join tree node (FromExpr, JoinExpr, RangeTblRef) holds range-table entry <paramref name="rti"/>.</summary>
    private static bool Holds(QueryTreeNode node, int rti) => node.Kind switch
    {
        "RANGETBLREF" => node.Int32("rtindex") == rti,
        "JOINEXPR" => Holds(node.Field("larg"), rti) || Holds(node.Field("rarg"), rti),
        "FROMEXPR" => node.List("fromlist").Any(f => Holds(f, rti)),
        _ => false,
    };

    private static bool IsVarFree(QueryTreeNode conjunct) =>
        !AnyVar(conjunct.Element, 0, static (_, levelsUp, depth) => levelsUp == depth) && !IsConstantTrue(conjunct);

    private static bool IsConstantTrue(QueryTreeNode node) =>
        node.Kind == "CONST" && node.UInt32("consttype") == 16 && !node.Bool("constisnull")
        && node.Field("constvalue").String("bytes").StartsWith("01", StringComparison.Ordinal);

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
