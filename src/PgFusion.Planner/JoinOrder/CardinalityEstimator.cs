namespace PgFusion.Planner.JoinOrder;

/// <summary>
/// Join size estimates. Edge selectivities come from the planner (see <see cref="EquiJoinSelectivity(ColumnStatistics, ColumnStatistics)"/>);
/// several edges between the same inputs multiply (independence). Non-inner joins are estimated
/// from the inner-join size of their inputs.
/// </summary>
public static class CardinalityEstimator
{
    /// <summary>PostgreSQL's DEFAULT_EQ_SEL, for an equality whose columns have no statistics at all.</summary>
    public const double DefaultEqualitySelectivity = 0.005;

    /// <summary>
    /// a = b: PostgreSQL's eqjoinsel without MCV lists, (1 - nullfrac_a)(1 - nullfrac_b) / max(nd_a, nd_b):
    /// each non-null value of the side with fewer distinct values is assumed to find its partner.
    /// </summary>
    public static double EquiJoinSelectivity(ColumnStatistics left, ColumnStatistics right)
    {
        var distinct = Math.Max(Math.Max(left.DistinctValues, right.DistinctValues), 1);
        return (1 - left.NullFraction) * (1 - right.NullFraction) / distinct;
    }

    public static double EquiJoinSelectivity(IColumnStatisticsSource statistics, int leftRelation, int leftAttribute, int rightRelation, int rightAttribute)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var hasLeft = statistics.TryGetColumnStatistics(leftRelation, leftAttribute, out var l);
        var hasRight = statistics.TryGetColumnStatistics(rightRelation, rightAttribute, out var r);
        if (!hasLeft && !hasRight)
            return DefaultEqualitySelectivity;
        if (!hasLeft)
            l = new ColumnStatistics(ColumnStatistics.DefaultDistinctValues, 0);
        if (!hasRight)
            r = new ColumnStatistics(ColumnStatistics.DefaultDistinctValues, 0);
        return EquiJoinSelectivity(l, r);
    }

    /// <summary>
    /// The least fraction of its left input an anti join is estimated to keep. By eqjoinsel nearly
    /// every left row finds a partner as soon as the right side has as many distinct keys, so NOT
    /// EXISTS would keep one row; but a residual (TPC-H Q21's <c>l3.l_suppkey &lt;&gt; l1.l_suppkey</c>)
    /// or values missing on the right keep many more, and a one-row estimate makes every join
    /// above it look free, so the join order puts the anti join first and builds hash tables on
    /// millions of rows estimated as one.
    /// </summary>
    public const double MinAntiFraction = 0.1;

    /// <summary>
    /// Rows of L op R from |L|, |R| and the predicate's selectivity. A left row finds on average
    /// sel·|R| partners, so it finds at least one with probability about min(1, sel·|R|): inner
    /// |L||R|sel; left outer max(inner, |L|); full outer adds the unmatched rows of both sides;
    /// semi |L|·min(1, sel|R|) ≤ |L|; anti the rest of L, at least one row as PostgreSQL clamps.
    /// </summary>
    public static double JoinRows(JoinKind kind, double leftRows, double rightRows, double selectivity)
    {
        var inner = leftRows * rightRows * selectivity;
        var leftMatched = Math.Min(1, selectivity * rightRows);
        return kind switch
        {
            JoinKind.Inner => inner,
            JoinKind.LeftOuter => Math.Max(inner, leftRows),
            JoinKind.FullOuter => inner + leftRows * (1 - leftMatched) + rightRows * (1 - Math.Min(1, selectivity * leftRows)),
            JoinKind.Semi => leftRows * leftMatched,
            JoinKind.Anti => Math.Max(leftRows * Math.Max(1 - leftMatched, MinAntiFraction), Math.Min(leftRows, 1)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    /// <summary>
    /// JoinRows / (|L|·|R|): the factor an edge contributes to the product estimate of any set
    /// holding it. Where the quotient is not a finite number (|L|·|R| overflowed, Infinity /
    /// Infinity) the factor is the selectivity, the inner join's.
    /// </summary>
    internal static double JoinFactor(JoinKind kind, double leftRows, double rightRows, double selectivity)
    {
        var cross = leftRows * rightRows;
        if (!(cross > 0) || double.IsInfinity(cross)) return selectivity;
        var factor = JoinRows(kind, leftRows, rightRows, selectivity) / cross;
        return double.IsFinite(factor) ? factor : selectivity;
    }

    /// <summary>Estimated rows of the join of all relations in <paramref name="set"/> (which must be joinable without cross products unless the graph is inner-only).</summary>
    public static double EstimateRows(QueryGraph graph, RelSet set) => new HypergraphIndex(graph).EstimateRows(set.Bits);
}
