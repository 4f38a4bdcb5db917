namespace PgFusion.Planner.Json;

/// <summary>
/// One pg_statistic row (inh = false) as the hook sends it. <see cref="NDistinct"/> follows
/// PostgreSQL: &gt; 0 is a count, &lt; 0 is minus a fraction of the rows, 0 unknown. MCV values
/// and histogram bounds are text from the type's output function.
/// </summary>
public sealed record ColumnStatistics(
    int AttNum,
    double NullFrac,
    int AvgWidth,
    double NDistinct,
    IReadOnlyList<string>? McvValues,
    IReadOnlyList<double>? McvFreqs,
    IReadOnlyList<string>? Histogram,
    double? Correlation)
{
    /// <summary>Distinct non-null values for a relation of <paramref name="relTuples"/> rows, or null when unknown.</summary>
    public double? DistinctValues(double relTuples) => NDistinct switch
    {
        > 0 => NDistinct,
        < 0 => Math.Max(1, -NDistinct * relTuples),
        _ => null,
    };
}
