namespace PgFusion.Planner.JoinOrder;

/// <summary>What join estimation needs of one column, as the planner reads it from pg_statistic.</summary>
/// <param name="DistinctValues">Number of distinct non-null values (absolute, never PostgreSQL's negative fraction).</param>
/// <param name="NullFraction">stanullfrac: fraction of rows where the column is NULL.</param>
public readonly record struct ColumnStatistics(double DistinctValues, double NullFraction)
{
    /// <summary>PostgreSQL's DEFAULT_NUM_DISTINCT, used when pg_statistic has no row for the column.</summary>
    public const double DefaultDistinctValues = 200;

    /// <summary>
    /// From pg_statistic's stadistinct: &gt; 0 is a count, &lt; 0 is minus a fraction of the rows
    /// (so it scales with the table), 0 is unknown.
    /// </summary>
    public static ColumnStatistics FromPgStatistic(double stadistinct, double stanullfrac, double reltuples)
    {
        double distinct = stadistinct switch
        {
            > 0 => stadistinct,
            < 0 => -stadistinct * Math.Max(reltuples, 1),
            _ => DefaultDistinctValues,
        };
        return new ColumnStatistics(Math.Max(distinct, 1), Math.Clamp(stanullfrac, 0, 1));
    }
}
