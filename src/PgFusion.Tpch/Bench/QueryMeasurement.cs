namespace PgFusion.Tpch.Bench;

/// <summary>How a query ran with pg_fusion on.</summary>
public enum FusionStatus
{
    /// <summary>pg_fusion is not loaded in the cluster: PostgreSQL only.</summary>
    NotMeasured,
    Offloaded,
    Fallback,
    Mismatch,
    Error,
}

/// <summary>One query's timings (milliseconds per timed run) and the outcome of the result check.</summary>
public sealed record QueryMeasurement(
    int Number,
    int Rows,
    IReadOnlyList<double> JitOnMs,
    IReadOnlyList<double> JitOffMs,
    IReadOnlyList<double> FusionMs,
    FusionStatus Status,
    string? Note)
{
    public string Name => $"Q{Number}";

    public double JitOnMedian => Median(JitOnMs);

    public double JitOffMedian => Median(JitOffMs);

    /// <summary>PostgreSQL's best configuration for this query: the lower median of jit on and jit off.</summary>
    public double BestPostgres => Math.Min(JitOnMedian, JitOffMedian);

    public double FusionMedian => Median(FusionMs);

    public double Speedup => FusionMs.Count == 0 ? double.NaN : BestPostgres / FusionMedian;

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            return double.NaN;
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
