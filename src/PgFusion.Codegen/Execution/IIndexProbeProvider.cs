using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Execution;

/// <summary>
/// A scan provider that can also look rows up through a btree index (the worker: the backend
/// probes the index under the query's snapshot). Providers without it serve index-probe joins
/// with a sequential scan, which gives the same join result.
/// </summary>
public interface IIndexProbeProvider
{
    /// <summary>
    /// Batches of <paramref name="scan"/>'s attributes (as <see cref="IScanProvider.OpenScan(PhysicalScan)"/>) from
    /// the visible rows of its relation whose index's leading column equals one of the keys:
    /// <paramref name="keys"/> (distinct), then those of <see cref="IIndexProbe.AddKeys"/> when
    /// <paramref name="moreKeys"/> (all distinct from each other). With <paramref name="firstMatch"/>,
    /// the provider may return, for each key, only its first row that passes every condition.
    /// With <paramref name="filter"/> (never with <paramref name="firstMatch"/>), it may leave out
    /// the rows that fail one of its conditions.
    /// The probe starts at once: rows arrive while the caller goes on collecting keys.
    /// </summary>
    IIndexProbe OpenIndexProbe(PhysicalScan scan, uint indexOid, IReadOnlyList<ProbeCondition>? firstMatch, IReadOnlyList<ProbeCondition>? filter, ReadOnlySpan<long> keys, bool moreKeys);
}

/// <summary>An open index probe: its batches, and the keys still to come.</summary>
public interface IIndexProbe : IBatchSource
{
    /// <summary>More keys (distinct from every key sent before); <paramref name="last"/> ends them.</summary>
    void AddKeys(ReadOnlySpan<long> keys, bool last);

    /// <summary>Stops the probe; its rows are no longer wanted.</summary>
    void Close();
}
