using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;

namespace PgFusion.Planner.Physical;

// Which input of an inner join without an equality PostgreSQL reads first. It has only a nested
// loop for such a join, which fetches its outer input's first row before it reads the inner input;
// the join without keys here reads its probe input first for the same reason (HashJoinStream's
// ReadsProbeFirst), so the probe must be PostgreSQL's outer input, or a raising qual of the other
// input runs on rows PostgreSQL never reads (seed 514 case 282: the side with fewer estimated rows
// was built here and read first, and its WHERE overflowed where PostgreSQL's outer scan was empty).
public sealed partial class PhysicalPlanner
{
    private const double SeqPageCost = 1.0;
    private const double CpuTupleCost = 0.01;

    /// <summary>
    /// For an inner join without hash keys with at least one input a scan of a table or a VALUES list
    /// (under quals and projections): whether PostgreSQL's cheapest nested loop has the left input outer.
    /// Null when neither input is such a scan (then the estimates decide as for any hash join).
    /// </summary>
    /// <remarks>
    /// initial_cost_nestloop: outer cost + inner cost + (outer rows - 1) x the inner's rescan cost;
    /// a seq scan rescans at its full cost, a Materialize over it (cost_material: 2 x
    /// cpu_operator_cost per row) at cpu_operator_cost per row; the per-pair cost is the same in
    /// both orders, and so are the two inputs' own costs: only the rescans differ. An input that is
    /// no scan (a join) is taken as materialized, what PostgreSQL does with an inner input that costs
    /// more than a few rows to rerun (seed 798 case 3164: the hash join of t1 and an empty t3, one row
    /// estimated, is the outer input of the nested loop with t2, whose raising WHERE is never read).
    /// add_path keeps the cheaper path and, on an exact tie, the one added first: add_paths_to_joinrel
    /// runs with the earlier relation of the FROM list as outer first.
    /// </remarks>
    private bool? NestLoopReadsLeftFirst(LogicalJoin join, double leftRows, double rightRows)
    {
        var left = SeqScanCost(join.Left);
        var right = SeqScanCost(join.Right);
        if (left is null && right is null) return null;
        // The other input, no scan, must be a join of the FROM list; a sub-query's join (an InitPlan, a
        // SubPlan) is read as PostgreSQL reads its Param, and the estimates decide as before.
        if (left is null != right is null && (!IsPlainJoin(join) || !IsPlainJoin(left is null ? join.Left : join.Right))) return null;
        double l = Math.Max(leftRows, 1), r = Math.Max(rightRows, 1);
        return InnerRescanCost(l, right, r) <= InnerRescanCost(r, left, l);
    }

    /// <summary>Whether <paramref name="plan"/> (under filters and projections) is a join of the FROM list, no sub-query's.</summary>
    private static bool IsPlainJoin(LogicalPlan plan)
    {
        while (plan is LogicalFilter or LogicalProject) plan = plan.Children[0];
        return plan is LogicalJoin { InitPlan: false, Subquery: false, SubPlan: false, Gated: false, Domain: false, LateralInner: false };
    }

    /// <summary>
    /// What the inner input adds beyond its first read: the cheaper of rescanning it at its full cost
    /// (<paramref name="innerCost"/>, null when it is no scan) and materializing it.
    /// </summary>
    private static double InnerRescanCost(double outerRows, double? innerCost, double innerRows)
    {
        double materialized = 2 * QualOrdering.CpuOperatorCost * innerRows + (outerRows - 1) * QualOrdering.CpuOperatorCost * innerRows;
        return innerCost is { } cost ? Math.Min((outerRows - 1) * cost, materialized) : materialized;
    }

    /// <summary>
    /// cost_seqscan of a table read under quals and projections: seq_page_cost per page plus
    /// cpu_tuple_cost and the quals' cost per tuple (cost_qual_eval, as QualOrdering computes it),
    /// over rel->pages and rel->tuples (estimate_rel_size: the JSON's est_pages and est_tuples, which
    /// for a never-analyzed table follow its file size; pg_class's relpages and reltuples without them).
    /// cost_valuesscan of a VALUES list: cpu_operator_cost, cpu_tuple_cost and the quals per entry (seed
    /// 795 case 15: `t1 JOIN (VALUES ..) v ON a.c1 = v.v1` with t1 outer, its qual raising while the
    /// VALUES side had no row). Null when the plan is no such read, or a table's size is unknown
    /// (reltuples -1 and no est_tuples).
    /// </summary>
    private double? SeqScanCost(LogicalPlan plan)
    {
        double quals = 0;
        while (true)
        {
            switch (plan)
            {
                case LogicalFilter f:
                    quals += new QualOrdering(catalog).Cost(f.Predicate);
                    plan = f.Input;
                    continue;
                case LogicalProject p:
                    plan = p.Input;
                    continue;
                case LogicalScan { Relation: { EstimatedTuples: { } estimated, EstimatedPages: { } pages } }:
                    return SeqPageCost * pages + (CpuTupleCost + quals) * Math.Round(estimated);
                case LogicalScan s when s.Relation.Layout.RelTuples >= 0:
                    double tuples = Math.Round(s.Relation.Layout.RelTuples);
                    return SeqPageCost * s.Relation.Layout.RelPages + (CpuTupleCost + quals) * tuples;
                case LogicalUnionAll { Values: true } values:
                    return (QualOrdering.CpuOperatorCost + CpuTupleCost + quals) * values.Inputs.Count;
                default:
                    return null;
            }
        }
    }
}
