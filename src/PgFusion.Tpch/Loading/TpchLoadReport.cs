using PgFusion.Tpch.Generation;

namespace PgFusion.Tpch.Loading;

/// <summary>What a load did and how long each phase took.</summary>
public sealed record TpchLoadReport(
    double ScaleFactor,
    ulong Seed,
    IReadOnlyDictionary<TpchTable, long> RowCounts,
    TimeSpan CopyTime,
    TimeSpan IndexTime,
    TimeSpan VacuumAnalyzeTime,
    TimeSpan TotalTime);
