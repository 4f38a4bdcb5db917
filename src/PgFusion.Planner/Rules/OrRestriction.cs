using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Restrictions on one join input implied by an OR over both inputs, as PostgreSQL's
/// extract_restriction_or_clauses (orclauses.c): from (A1 AND X1) OR (A2 AND X2), where the Ai read
/// only that input, A1 OR A2 follows. Added as a filter on the input (pushed down as far as it goes)
/// while the OR stays in the join condition, it lets the input shrink before the join: TPC-H Q19's
/// part rows, which then probe lineitem's index. Only inputs whose rows the condition may drop are
/// restricted (either input of an inner join, the nullable input of an outer join, the right input
/// of a semi or anti join).
/// </summary>
public sealed class OrRestriction : IRewriteRule
{
    public string Name => "or_restriction";

    public LogicalPlan Apply(LogicalPlan plan)
    {
        bool changed = false;
        var result = plan.TransformUp(p =>
        {
            if (p is not LogicalJoin { Condition: { } condition } join) return p;
            var left = ColumnIds.Of(join.Left.Output);
            var right = ColumnIds.Of(join.Right.Output);
            bool leftFilterable = join.Kind is LogicalJoinType.Inner or LogicalJoinType.Right;
            bool rightFilterable = join.Kind is LogicalJoinType.Inner or LogicalJoinType.Left or LogicalJoinType.Semi or LogicalJoinType.Anti or LogicalJoinType.NullAwareAnti;
            var toLeft = new List<BoundExpr>();
            var toRight = new List<BoundExpr>();
            foreach (var c in PredicatePushdown.Conjuncts(condition))
            {
                if (ReadsOnly(c, left) || ReadsOnly(c, right)) continue;
                if (leftFilterable && Extract(c, left) is { } l) toLeft.Add(l);
                if (rightFilterable && Extract(c, right) is { } r) toRight.Add(r);
            }
            if (toLeft.Count == 0 && toRight.Count == 0) return p;
            changed = true;
            return join with
            {
                Left = toLeft.Count == 0 ? join.Left : new LogicalFilter(join.Left, PredicateSimplification.Conjunction(toLeft)),
                Right = toRight.Count == 0 ? join.Right : new LogicalFilter(join.Right, PredicateSimplification.Conjunction(toRight)),
            };
        });
        // the new filters sink to the scans they restrict (through the joins below them)
        return changed ? new PredicatePushdown().Apply(result) : plan;
    }

    /// <summary>The implied restriction on the input whose column ids are <paramref name="input"/>; null when some arm restricts it by nothing.</summary>
    public static BoundExpr? Extract(BoundExpr conjunct, IReadOnlySet<int> input)
    {
        if (conjunct is not BoundBoolExpr { Op: BoolOp.Or } or) return null;
        var arms = new List<BoundExpr>();
        foreach (var arm in or.Args)
        {
            var mine = PredicatePushdown.Conjuncts(arm).Where(c => ReadsOnly(c, input)).ToList();
            if (mine.Count == 0) return null;
            arms.Add(PredicateSimplification.Conjunction(mine));
        }
        return new BoundBoolExpr(BoolOp.Or, arms);
    }

    private static bool ReadsOnly(BoundExpr e, IReadOnlySet<int> ids)
    {
        bool any = false;
        foreach (var c in e.ReferencedColumns())
        {
            if (!ids.Contains(c.Id)) return false;
            any = true;
        }
        return any;
    }
}
