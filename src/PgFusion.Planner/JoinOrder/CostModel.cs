using PgFusion.Planner.Physical;

namespace PgFusion.Planner.JoinOrder;

/// <summary>Which input of a hash join is loaded into the hash table.</summary>
public enum JoinBuildSide
{
    Left,
    Right,
}

/// <summary>
/// C_out plus a probe term: a plan costs the sum of the estimated rows of its joins (leaves are free,
/// since every plan scans every relation once) plus, per join, the rows of its probe input weighted
/// by how expensive a probe into its build input is. A hash table of a few thousand keys stays in the
/// first cache levels and a probe into it costs little next to producing a row; one of hundreds of
/// thousands of keys does not fit the L2 cache and a probe into it costs about as much as a result
/// row (perf/joins9.md). The weight <c>b / (b + K)</c> goes from 0 to 1 with the build's rows b.
/// Without it C_out ranks TPC-H Q5's lineitem ⋈ orders (6 M probes into 227k orders) ahead of
/// lineitem ⋈ ASIA's 2,000 suppliers, whose larger output is cheap to get. The term depends only on
/// the inputs' row estimates, so the cost of a set stays the sum over its best split (what DPHyp's
/// dynamic programming needs).
/// </summary>
public static class CostModel
{
    /// <summary>Build rows at which a probe costs half of a result row: about the keys whose hash table fills an L2 cache.</summary>
    public const double ProbeHalfCostBuildRows = 32_768;

    /// <param name="hashKey">
    /// Whether the join has a hash key. Without one (only conditions like <c>b.x * c.y &gt; 1</c>)
    /// it compares every pair of its inputs, |L|·|R| evaluations, which is its probe term: a pair
    /// costs as much as a result row. PostgreSQL's nested loop is costed by its pairs too; costed
    /// like a hash join, a keyless join of two relations that the estimates make small was
    /// preferred to the equi-joins PostgreSQL runs first, and its condition evaluated on pairs
    /// PostgreSQL never forms (seed 479 case 1370: an overflowing float4 product).
    /// </param>
    public static double JoinCost(double outputRows, double leftRows, double rightRows, double leftCost, double rightCost, bool hashKey = true) =>
        outputRows + (hashKey ? ProbeCost(leftRows, rightRows) : PairCost(leftRows, rightRows)) + leftCost + rightCost;

    /// <summary>Every pair of the inputs, for a join without a hash key.</summary>
    public static double PairCost(double leftRows, double rightRows) => Estimates.Product(leftRows, rightRows);

    /// <summary>The probe input (the larger) times the weight of a probe into the build input (the smaller).</summary>
    public static double ProbeCost(double leftRows, double rightRows)
    {
        var build = Math.Min(leftRows, rightRows);
        var probe = Math.Max(leftRows, rightRows);
        return probe * (build / (build + ProbeHalfCostBuildRows));
    }

    /// <summary>
    /// The smaller input builds (ties: the right, PostgreSQL's inner side). For outer, semi and anti
    /// joins a left build needs match flags on the hash table; physical planning may override.
    /// </summary>
    public static JoinBuildSide ChooseBuildSide(double leftRows, double rightRows) =>
        rightRows <= leftRows ? JoinBuildSide.Right : JoinBuildSide.Left;
}
