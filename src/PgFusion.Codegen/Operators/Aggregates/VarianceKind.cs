namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>Which statistic a variance-family aggregate's final function computes (stddev = stddev_samp, variance = var_samp).</summary>
public enum VarianceKind
{
    VarPop,
    VarSamp,
    StddevPop,
    StddevSamp,
}

internal static class VarianceKindExtensions
{
    public static bool IsSample(this VarianceKind k) => k is VarianceKind.VarSamp or VarianceKind.StddevSamp;

    public static bool IsStddev(this VarianceKind k) => k is VarianceKind.StddevPop or VarianceKind.StddevSamp;
}
