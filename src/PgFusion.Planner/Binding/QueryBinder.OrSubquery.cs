using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// A WHERE conjunct `A OR [NOT] EXISTS (...)` (or `A OR x IN (...)`) whose subquery reads the outer
// query other than by equalities, so no mark can be built (QueryBinder.Marks). As a filter only
// its true rows matter, so it is a semi or anti join whose condition holds A:
//   A OR EXISTS (S WHERE p)     = semi join with (A OR (present AND p)) against S's rows plus one
//                                 row whose `present` is NULL (S left-joined to a one-row aggregate
//                                 of S), so an outer row where A holds matches even when S is empty;
//   A OR NOT EXISTS (S WHERE p) = anti join with (A IS NOT TRUE AND p).
// x IN (S) is EXISTS with the test x = y added to p (in a filter, its NULL counts as false).
public sealed partial class QueryBinder
{
    /// <summary>An OR whose arguments hold exactly one SubLink, an EXISTS or = ANY one (EXISTS possibly under NOT), at the top of its argument.</summary>
    private (List<QueryTreeNode> Others, QueryTreeNode Link, bool Negated)? OrWithOneSubLink(QueryTreeNode node)
    {
        if (node.Kind != "BOOLEXPR" || BoolOpName(node) != "or") return null;
        var args = node.List("args");
        var others = new List<QueryTreeNode>();
        (QueryTreeNode Link, bool Negated)? found = null;
        foreach (var a in args)
        {
            if (found is null && AsSubLink(a, out bool negated) is { } link)
            {
                int type = link.Int32("subLinkType");
                bool isIn = type == AnySubLink && QuantifiedOperator(link) is "=";
                if (type != ExistsSubLink && !(isIn && !negated)) return null;
                found = (link, negated);
            }
            else
            {
                if (HasSubLink(a.Element)) return null;
                others.Add(a);
            }
        }
        return found is { } f && others.Count > 0 ? (others, f.Link, f.Negated) : null;
    }

    private static bool HasSubLink(QueryJsonValue e) => e.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Object => (e.TryGetProperty("node", out var k) && k.ValueKind == System.Text.Json.JsonValueKind.String && k.ValueEquals("SUBLINK"))
            || e.EnumerateObject().Any(p => HasSubLink(p.Value)),
        System.Text.Json.JsonValueKind.Array => e.EnumerateArray().Any(HasSubLink),
        _ => false,
    };

    private SubqueryJoin BindOrSubqueryJoin(List<QueryTreeNode> others, QueryTreeNode link, bool negated, ExpressionBinder binder)
    {
        var boundOthers = others.Select(o => binder.Bind(o)).ToList();
        var a = boundOthers.Count == 1 ? boundOthers[0] : new BoundBoolExpr(BoolOp.Or, boundOthers);
        // As a semi join (EXISTS, IN); NOT EXISTS is bound as EXISTS and negated here.
        var rows = BindSubqueryJoin(link, negated: false, binder);
        var p = rows.Condition ?? new BoundConst(true, PgType.Bool);
        if (negated)
        {
            var notTrue = new BoundBoolExpr(BoolOp.Not, [new BoundCoalesce([a, new BoundConst(false, PgType.Bool)], PgType.Bool)]);
            return new SubqueryJoin(rows.Right, LogicalJoinType.Anti, new BoundBoolExpr(BoolOp.And, [notTrue, p]));
        }
        // The subquery bound again (its own column ids) for the one row that is there even when it is empty.
        var again = BindSubqueryJoin(link, negated: false, binder);
        var count = new NamedAggregate(_ids.New("count", PgType.Int8), new BoundAggregate(2803, "count", [], false, null, PgType.Int8));
        var oneRow = new LogicalAggregate(again.Right, [], [count]);
        var present = _ids.New("present", PgType.Bool);
        var marked = new LogicalProject(rows.Right, [.. rows.Right.Output.Select(c => new NamedExpr(c, new LogicalColumnRef(c))), new NamedExpr(present, new BoundConst(true, PgType.Bool))]);
        var right = new LogicalJoin(oneRow, marked, LogicalJoinType.Left, null);
        var condition = new BoundBoolExpr(BoolOp.Or, [a, new BoundBoolExpr(BoolOp.And, [new LogicalColumnRef(present), p])]);
        VerifyColumns(right, "subquery under OR");
        return new SubqueryJoin(right, LogicalJoinType.Semi, condition);
    }
}
