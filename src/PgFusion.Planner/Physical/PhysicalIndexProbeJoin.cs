using PgFusion.Planner.Json;

namespace PgFusion.Planner.Physical;

/// <summary>
/// An index-probe join: the hash join <paramref name="Join"/> whose build input reads its base
/// relation (<paramref name="InnerScan"/>, under the build input's filters, projections and
/// groupings by the probed key) through the btree <paramref name="Index"/> instead of a sequential
/// scan. At run time the worker reads the probe (outer) input first, collects the distinct non-NULL
/// values of probe key <paramref name="KeyIndex"/>, and the backend looks them up in the index; the
/// hash join then builds from the matching rows only. The build side holds every row that can match,
/// so the join's result is the hash join's (inner, semi, anti and probe-outer joins; never the
/// build-outer kinds). <paramref name="RowsPerKey"/>, <paramref name="FullScanCost"/>,
/// <paramref name="IndexCorrelation"/> and <paramref name="RowsPerPage"/> let the worker re-check the
/// choice with the real number of keys (<see cref="PrefersProbe"/>): more keys than estimated make it
/// fall back to the sequential scan.
/// </summary>
/// <param name="IndexCorrelation">
/// The correlation between the index order and the heap order (pg_statistic's correlation of the
/// index's leading column, times 0.75 for a multi-column index, as PostgreSQL's btcostestimate):
/// near +-1 the rows of consecutive keys share heap pages, near 0 every row is a page of its own.
/// </param>
/// <param name="RowsPerPage">Heap rows per page of the inner relation (reltuples / relpages).</param>
public sealed record PhysicalIndexProbeJoin(
    PhysicalHashJoin Join,
    PhysicalScan InnerScan,
    RelationIndex Index,
    int KeyIndex,
    double RowsPerKey,
    double FullScanCost,
    double IndexCorrelation,
    double RowsPerPage) : PhysicalPlan(Join.Output, Join.EstimatedRows)
{
    /// <summary>Cost units (about microseconds here): one index descent, one matching heap row fetched from a page of its own, one page of a sequential scan.</summary>
    public const double KeyCost = 4;
    public const double RowCost = 1.5;
    public const double PageCost = 8;

    /// <summary>The index path is taken only when it costs at most this fraction of the sequential scan (estimates are rough).</summary>
    public const double Margin = 0.5;

    public override IReadOnlyList<PhysicalPlan> Children => Join.Children;

    /// <summary>
    /// Set for a semi or anti join whose only use of the inner rows is "some row with this key passes
    /// the inner filter": these conditions are that whole filter, and the backend may stop each key's
    /// index scan at its first tuple that passes them (first-match probe). Null: every match comes back.
    /// </summary>
    public IReadOnlyList<ProbeCondition>? FirstMatch { get; init; }

    /// <summary>
    /// The cost of probing <paramref name="keys"/> distinct keys: one descent per key plus the heap
    /// rows they match. As in PostgreSQL's cost_index, the rows cost between the uncorrelated case
    /// (each row a page access of its own, <see cref="RowCost"/>) and the correlated case (the rows
    /// fill consecutive pages and cost what a sequential scan of that fraction of the relation costs),
    /// interpolated by the square of <see cref="IndexCorrelation"/>.
    /// </summary>
    public double ProbeCost(double keys)
    {
        double rows = keys * RowsPerKey;
        double uncorrelated = rows * RowCost;
        double correlated = Math.Min(rows / Math.Max(RowsPerPage, 1) * PageCost, FullScanCost);
        double c2 = Math.Clamp(IndexCorrelation * IndexCorrelation, 0, 1);
        return keys * KeyCost + uncorrelated + c2 * (correlated - uncorrelated);
    }

    public bool PrefersProbe(double keys) => ProbeCost(keys) <= FullScanCost * Margin;
}
