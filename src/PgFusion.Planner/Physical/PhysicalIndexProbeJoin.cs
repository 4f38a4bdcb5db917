using PgFusion.Planner.Json;

namespace PgFusion.Planner.Physical;

/// <summary>
/// An index-probe join: the hash join <paramref name="Join"/> whose build input reads its base
/// relation (<paramref name="InnerScan"/>, under the build input's filters and projections)
/// through the btree <paramref name="Index"/> instead of a sequential scan. At run time the worker
/// reads the probe (outer) input first, collects the distinct non-NULL values of probe key
/// <paramref name="KeyIndex"/>, and the backend looks them up in the index; the hash join then
/// builds from the matching rows only. The build side holds every row that can match, so the join's
/// result is the hash join's (inner, semi, anti and probe-outer joins; never the build-outer kinds).
/// <paramref name="RowsPerKey"/> and <paramref name="FullScanCost"/> let the worker re-check the
/// choice with the real number of keys (<see cref="PrefersProbe"/>): more keys than estimated make it
/// fall back to the sequential scan.
/// </summary>
public sealed record PhysicalIndexProbeJoin(
    PhysicalHashJoin Join,
    PhysicalScan InnerScan,
    RelationIndex Index,
    int KeyIndex,
    double RowsPerKey,
    double FullScanCost) : PhysicalPlan(Join.Output, Join.EstimatedRows)
{
    /// <summary>Cost units (about microseconds here): one index descent, one matching heap row, one page of a sequential scan.</summary>
    public const double KeyCost = 4;
    public const double RowCost = 1.5;
    public const double PageCost = 8;

    /// <summary>The index path is taken only when it costs at most this fraction of the sequential scan (estimates are rough).</summary>
    public const double Margin = 0.5;

    public override IReadOnlyList<PhysicalPlan> Children => Join.Children;

    public double ProbeCost(double keys) => keys * (KeyCost + RowsPerKey * RowCost);

    public bool PrefersProbe(double keys) => ProbeCost(keys) <= FullScanCost * Margin;
}
