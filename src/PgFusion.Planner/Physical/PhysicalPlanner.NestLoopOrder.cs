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
    /// For an inner join without hash keys whose inputs are both scans of tables or VALUES lists (under
    /// quals and projections): whether PostgreSQL's cheapest nested loop has the left input outer.
    /// Null when an input is anything else (then the estimates decide as for any hash join).
    /// </summary>
    /// <remarks>
    /// initial_cost_nestloop: outer cost + inner cost + (outer rows - 1) x the inner's rescan cost;
    /// a seq scan rescans at its full cost, a Materialize over it (cost_material: 2 x
    /// cpu_operator_cost per row) at cpu_operator_cost per row; the per-pair cost is the same in
    /// both orders. add_path keeps the cheaper path and, on an exact tie, the one added first:
    /// add_paths_to_joinrel runs with the earlier relation of the FROM list as outer first.
    /// </remarks>
    private bool? NestLoopReadsLeftFirst(LogicalJoin join, double leftRows, double rightRows)
    {
        if (SeqScanCost(join.Left) is not { } left || SeqScanCost(join.Right) is not { } right) return null;
        double l = Math.Max(leftRows, 1), r = Math.Max(rightRows, 1);
        return NestLoopCost(left, l, right, r) <= NestLoopCost(right, r, left, l);
    }

    /// <summary>The cheaper of a plain and a materialized inner input, outer input first.</summary>
    private static double NestLoopCost(double outerCost, double outerRows, double innerCost, double innerRows)
    {
        double plain = outerCost + innerCost + (outerRows - 1) * innerCost;
        double materialized = outerCost + innerCost + 2 * QualOrdering.CpuOperatorCost * innerRows + (outerRows - 1) * QualOrdering.CpuOperatorCost * innerRows;
        return Math.Min(plain, materialized);
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
