namespace PgFusion.Tpch.Bench;

/// <summary>What `pgfusion bench` measures: which queries, how many timed runs, where the report goes.</summary>
public sealed record BenchOptions(
    string ConnectionString,
    double ScaleFactor,
    IReadOnlyList<int> Queries,
    int Runs,
    string OutputDirectory,
    TimeSpan StatementTimeout);
