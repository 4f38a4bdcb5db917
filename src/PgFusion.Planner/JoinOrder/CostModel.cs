namespace PgFusion.Planner.JoinOrder;

/// <summary>Which input of a hash join is loaded into the hash table.</summary>
public enum JoinBuildSide
{
    Left,
    Right,
}

/// <summary>
/// C_out: a plan costs the sum of the estimated rows of its joins (leaves are free, since every plan
/// scans every relation once). It ranks join orders by the work intermediate results cause, which
/// is what the order decides; operator constants belong to physical planning.
/// </summary>
public static class CostModel
{
    public static double JoinCost(double outputRows, double leftCost, double rightCost) => outputRows + leftCost + rightCost;

    /// <summary>
    /// The smaller input builds (ties: the right, PostgreSQL's inner side). For outer, semi and anti
    /// joins a left build needs match flags on the hash table; physical planning may override.
    /// </summary>
    public static JoinBuildSide ChooseBuildSide(double leftRows, double rightRows) =>
        rightRows <= leftRows ? JoinBuildSide.Right : JoinBuildSide.Left;
}
