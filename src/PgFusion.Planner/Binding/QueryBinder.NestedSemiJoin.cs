using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;

namespace PgFusion.Planner.Binding;

// EXISTS (or IN) inside the WHERE of an EXISTS, IN or ANY/ALL sub-query joined as a semi or anti
// join, the inner one reading the outermost query:
//   EXISTS (SELECT FROM t2 WHERE p(t1, t2) AND EXISTS (SELECT FROM t3 WHERE q(t2, t3) AND r(t1, t3)))
// The inner semi join cannot take r as its condition: t1 is not one of its inputs. But the outer
// sub-query only asks whether some row qualifies (a semi or anti join, for which duplicate rows do not
// matter), and a row of t2 has a qualifying t3 row for t1 exactly when some pair (t2, t3) satisfies
// q and r, so the inner semi join becomes an inner join on q and the conjuncts r that read the outer
// query join the outer sub-query's own correlation (the semi or anti join's condition):
//   EXISTS (SELECT FROM t2, t3 WHERE p(t1, t2) AND q(t2, t3) AND r(t1, t3))
// That is the same truth value for every t1 row, NULLs included (WHERE keeps a row only where its
// conjuncts are true). A NOT EXISTS inside reading the outermost query cannot be flattened this way
// (relational division) and stays Unsupported.
public sealed partial class QueryBinder
{
    /// <summary>
    /// <paramref name="plan"/> inner-joined with a nested semi join's right side when that join's
    /// condition reads columns of neither input (the outer query's); those conjuncts go to
    /// <paramref name="outerCondition"/>. Null when the join is not such a semi join.
    /// </summary>
    private static LogicalPlan? FlattenNestedSemiJoin(SubqueryJoin join, LogicalPlan plan, List<BoundExpr> outerCondition)
    {
        if (join.Kind != LogicalJoinType.Semi || join.Check is not null || join.Condition is null) return null;
        var inputs = plan.Output.Concat(join.Right.Output).Select(c => c.Id).ToHashSet();
        var conjuncts = PredicatePushdown.Conjuncts(join.Condition);
        var outer = conjuncts.Where(c => c.ReferencedColumns().Any(r => !inputs.Contains(r.Id))).ToList();
        if (outer.Count == 0) return null;
        var local = conjuncts.Where(c => !outer.Contains(c)).ToList();
        outerCondition.AddRange(outer);
        return new LogicalJoin(plan, join.Right, LogicalJoinType.Inner, local.Count == 0 ? null : PredicateSimplification.Conjunction(local));
    }
}
