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
    /// <summary>
    /// Cost units (about microseconds on an idle core; fitted on the 13 probing TPC-H queries at SF1,
    /// perf/index-probe-cost-2026-12-01.md, then KeyCost and RowCost refitted in
    /// perf/probe8-2026-12-01.md): one key looked up in the index; one heap row the probe fetches,
    /// copies and decodes (PostgreSQL's cpu_tuple_cost); one distinct heap page the probe visits out
    /// of heap order (random_page_cost); one page of a sequential scan (seq_page_cost), also the
    /// price of a page the probe visits in heap order; one row a sequential scan would feed into a
    /// grouping between the join and the scan (a hash table of every group of the relation, where
    /// the probe groups only the probed keys' rows).
    /// KeyCost was 4 (three descents a key through the index AM) and RowCost 2 until the leaf walk
    /// (a key searched on the previous key's leaf) and the true 4 rows an order key: probing
    /// lineitem by 19K-114K order keys measured 1.4-2.5x faster than scanning it, a break-even
    /// near 160K keys, which KeyCost 1 + 4 x RowCost 1 + the pages (about 5.6 a key) reproduce
    /// against the scan's 900K; the margin then probes up to about 80K such keys.
    /// </summary>
    public const double KeyCost = 1;
    public const double RowCost = 1;
    public const double RandomPageCost = 8;
    public const double PageCost = 8;
    public const double GroupRowCost = 0.5;

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
    /// Set when <see cref="FirstMatch"/> is not: the leading conjuncts of the filter right above the
    /// inner scan, as conditions the backend evaluates on each fetched row, returning only the rows
    /// that pass them (TPC-H Q20's l_shipdate range over the lineitem rows of the forest parts:
    /// about a seventh of them travel). The worker's filter still runs on every row it gets; the rows
    /// the backend drops are rows that filter drops, before any conjunct that could raise.
    /// </summary>
    public IReadOnlyList<ProbeCondition>? ProbeFilter { get; init; }

    /// <summary>
    /// A first-match probe without conditions that reads only the probed key (an EXISTS, NOT EXISTS
    /// or IN whose inner side is the key alone: TPC-H Q22's NOT EXISTS over orders by o_custkey):
    /// the backend answers a key from the index when its item's heap page is all-visible, as an
    /// index-only scan does, without visiting the heap (docs/ipc.md 6.3). Its heap pages then cost
    /// only for the pages that are not all-visible (<see cref="AllVisibleFraction"/>).
    /// </summary>
    public bool IndexOnly { get; init; }

    /// <summary>The inner relation's all-visible pages over its pages (pg_class.relallvisible / relpages), 0..1; 0 when unknown.</summary>
    public double AllVisibleFraction { get; init; }

    /// <summary>
    /// Heap rows fetched per key: every match, or for a first-match probe (<see cref="FirstMatch"/>)
    /// about one, as the backend stops at a key's first row that passes the pushed conditions.
    /// </summary>
    public double FetchedPerKey => FirstMatch is null ? RowsPerKey : Math.Min(1, RowsPerKey);

    /// <summary>Heap pages of the inner relation.</summary>
    public double RelPages => Math.Max(FullScanCost / PageCost, 1);

    /// <summary>
    /// The cost of probing <paramref name="keys"/> distinct keys: one descent per key, every
    /// fetched row (<see cref="RowCost"/>, <see cref="FetchedPerKey"/>), and the heap pages those rows are on. As in
    /// PostgreSQL's cost_index, the pages cost between the uncorrelated case (the rows scattered
    /// over the relation: the distinct pages they touch by Mackert and Lohman's formula, each a
    /// random page, <see cref="PagesFetched"/>) and the correlated case (the rows fill consecutive
    /// pages: that fraction of a sequential scan), interpolated by the square of
    /// <see cref="IndexCorrelation"/>; for an <see cref="IndexOnly"/> probe only the share of
    /// them that is not all-visible (PostgreSQL's cost_index likewise scales an index-only scan's
    /// heap pages by 1 - relallvisible / relpages).
    /// </summary>
    public double ProbeCost(double keys)
    {
        double rows = keys * FetchedPerKey;
        double pages = RelPages;
        double uncorrelated = PagesFetched(rows, pages) * RandomPageCost;
        double correlated = Math.Min(Math.Ceiling(rows / Math.Max(RowsPerPage, 1)), pages) * PageCost;
        double c2 = Math.Clamp(IndexCorrelation * IndexCorrelation, 0, 1);
        double heapPages = uncorrelated + c2 * (correlated - uncorrelated);
        // an index-only probe visits only the heap pages that are not all-visible
        if (IndexOnly) heapPages *= 1 - Math.Clamp(AllVisibleFraction, 0, 1);
        return keys * KeyCost + rows * RowCost + heapPages;
    }

    /// <summary>
    /// The distinct pages that <paramref name="rows"/> rows fetched in random order touch in a
    /// relation of <paramref name="pages"/> pages: Mackert and Lohman's approximation for a
    /// relation that fits in the cache (PostgreSQL's index_pages_fetched when T &lt;= b; here every
    /// relation is read through shared buffers or the OS cache), 2TN/(2T+N), at most T. Few rows
    /// are about a page each; many rows revisit pages and approach the whole relation.
    /// </summary>
    public static double PagesFetched(double rows, double pages)
    {
        if (rows <= 0 || pages <= 0) return 0;
        return Math.Min(2 * pages * rows / (2 * pages + rows), pages);
    }

    /// <summary>The distinct outer keys the planner expected (0 when not set).</summary>
    public double EstimatedKeys { get; init; }

    /// <summary>
    /// Whether the keys should go to the backend only once the outer input has ended: when twice
    /// the estimated keys would make the probe dearer than the scan, the real count may well give
    /// the probe up, and keys streamed before that would have been probed for nothing (TPC-H Q7:
    /// 60K orders estimated, ~120K real, against about 80K that pay; the backend probed them while
    /// serving the outer scan's pages, and the query took 1.7x as long).
    /// </summary>
    public bool DefersKeys => !Forced && EstimatedKeys > 0 && !PrefersProbe(2 * EstimatedKeys);

    /// <summary>Measurements only (PlannerOptions.ForceIndexProbes): probe whatever the cost.</summary>
    public bool Forced { get; init; }

    public bool PrefersProbe(double keys) => Forced || ProbeCost(keys) <= FullScanCost * Margin;
}
