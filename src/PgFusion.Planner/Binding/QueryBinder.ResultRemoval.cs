using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Binding;

// PostgreSQL's remove_useless_result_rtes for an inner JOIN beside a one-row constant sub-query,
// in a query level with grouping sets.
//
// A FROM sub-query without FROM, or whose one FROM item is a VALUES list of one row
// (pull_up_simple_values), and without WHERE, is pulled up into a Result range-table entry. In a
// level with grouping sets its outputs become PlaceHolderVars (wrap_non_vars), so they are not
// folded into the parent as constants. remove_useless_results_recurse then drops the Result from
// an inner JoinExpr unconditionally: the join becomes its other input with the ON clause as a
// qual there, and the PlaceHolderVars that named the Result are evaluated at that other input
// (remove_result_refs). When that input is one table, every qual reading the sub-query's outputs
// and that table is the table's restriction, ordered by cost with its other quals (a
// PlaceHolderVar costs nothing): `t1 a JOIN (VALUES (3000000000::int8)) v ON a.c13 = v.v1 WHERE
// (a.c5 - a.c2::float4) >= 0 GROUP BY GROUPING SETS (...)` tests `a.c13 = 3000000000` first in t1's
// scan, and never computes the float4 that overflows (fuzz seed 770 case 3154).
//
// pg_fusion keeps the cross join with the one-row input (the grouped select list may read its
// outputs) but substitutes the outputs, as placeholders, into the ON clause and the WHERE, so
// predicate pushdown takes those quals to the table. In a comma-separated FROM list PostgreSQL
// keeps the Result (find_dependent_phvs_in_jointree) and the qual is a join clause; over a join
// of several tables the PlaceHolderVars are evaluated at that join: both are left as they are.
public sealed partial class QueryBinder
{
    // Outputs of one-row constant sub-queries whose Result PostgreSQL removes, as placeholders, by column id.
    private readonly Dictionary<int, BoundExpr> _removedResultOutputs = [];

    /// <summary>Records <paramref name="outputs"/>, the placeholder constants <paramref name="resultSide"/> added, when the join drops its Result.</summary>
    private void RegisterRemovedResult(QueryTreeNode resultSide, QueryTreeNode otherSide, BindScope scope, IEnumerable<int> outputs)
    {
        if (!IsOneRowResult(resultSide, scope) || !IsTable(otherSide, scope)) return;
        foreach (int id in outputs)
            if (_placeHolderConstants.TryGetValue(id, out var c))
                _removedResultOutputs[id] = new BoundRelabel(c.Expr, c.Expr.Type) { Placeholder = true };
    }

    /// <summary>An ON or WHERE qual with the outputs of removed Results substituted (see the file's summary).</summary>
    private BoundExpr SubstituteRemovedResults(BoundExpr qual) =>
        _removedResultOutputs.Count == 0 ? qual
            : qual.ReplaceColumns(_removedResultOutputs);

    /// <summary>
    /// A non-LATERAL FROM sub-query PostgreSQL pulls up into a Result: a plain select list without
    /// WHERE over no FROM item, or over a VALUES list of one row that is its only range-table entry.
    /// </summary>
    private static bool IsOneRowResult(QueryTreeNode item, BindScope scope)
    {
        if (item.Kind != "RANGETBLREF") return false;
        var rte = scope.Entry(item.Int32("rtindex"), item.Field("rtindex"));
        if (rte.Int32("rtekind") != RteKind.Subquery || rte.Optional("lateral")?.Bool() == true) return false;
        var sub = rte.Field("subquery");
        if (!IsPulledUp(sub) || ReadsOuter(sub.Element, 0) || ExpressionBinder.HasNodeKind(sub.Element, "SUBLINK")) return false;
        var jointree = sub.Field("jointree");
        if (!jointree.IsNullField("quals")) return false;
        var from = jointree.List("fromlist");
        if (from.Count == 0) return true;
        var rtable = sub.List("rtable");
        return from.Count == 1 && from[0].Kind == "RANGETBLREF" && rtable.Count == 1
            && rtable[0].Int32("rtekind") == RteKind.Values && rtable[0].List("values_lists").Count == 1;
    }

    private static bool IsTable(QueryTreeNode item, BindScope scope) =>
        item.Kind == "RANGETBLREF" && scope.Entry(item.Int32("rtindex"), item.Field("rtindex")).Int32("rtekind") == RteKind.Relation;
}
