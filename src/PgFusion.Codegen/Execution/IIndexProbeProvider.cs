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
    /// Batches of <paramref name="scan"/>'s attributes (as <see cref="IScanProvider.OpenScan"/>) from
    /// the visible rows of its relation whose index's leading column equals one of
    /// <paramref name="keys"/> (ascending, distinct).
    /// </summary>
    IBatchSource OpenIndexProbe(PhysicalScan scan, uint indexOid, long[] keys);
}
