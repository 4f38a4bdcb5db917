using PgFusion.Arrow;
using PgFusion.Types;

namespace PgFusion.HeapDecoder;

/// <summary>
/// Late materialization of one scan (one instance per decoding thread): each page of a batch is
/// decoded in stages. Each chosen <see cref="FilterStage"/> decodes only its own columns, for the
/// rows the stages before it kept, and tests them; the scan's columns are then decoded for the
/// rows every stage kept, and only those rows reach the batch. A page is walked by every stage
/// and the final decode before the next page (it stays in cache; a first version that staged
/// whole 75-page batches re-read each page from memory and lost more than it saved). The numeric and text decode of
/// the rows the filter rejects -- most of the work of a selective scan -- never happens.
///
/// Which stages run is decided once, after the first batch (which runs them all, cheapest first):
/// with each stage's measured share of rows kept and <see cref="DecodeCost"/>, the cheapest plan
/// among "every subset of stages, then the rest" and "everything at once" wins; a plan with no
/// stage decodes exactly as <see cref="HeapPageDecoder.Decode(ReadOnlySpan{byte}, ReadOnlySpan{byte}, uint, RecordBatch, IDetoastedValues?)"/>.
///
/// What a rejected row is spared is what PostgreSQL spares it: PostgreSQL deforms a tuple lazily,
/// up to the last attribute the qual needs, and projects the rest only for rows the qual passes;
/// here a rejected tuple is walked only up to the last attribute of the stages it met, so a
/// corrupt value in a later attribute of a row the filter rejects raises nothing (as in
/// PostgreSQL; the plain path raises). Errors in the attributes a stage reads, and in every
/// attribute of the rows that pass, are raised as by Decode (block, item, attribute).
/// </summary>
public sealed class StagedPageDecoder
{
    /// <summary>The cheapest late plan must cost at most this share of the plain decode to be taken.</summary>
    private const double Margin = 0.9;

    /// <summary>Stages beyond this many (cheapest first) are not considered (2^n plans are priced).</summary>
    private const int MaxStages = 6;

    private readonly HeapPageDecoder full;
    private readonly Stage[] stages;
    private readonly double plainCost;
    private bool decided;
    /// <summary>The rows of the page still in play (their ordinals on the page), and a stage's passing rows (indices into its batch).</summary>
    private readonly int[] ordinals = new int[HeapPageDecoder.MaxTuplesPerPage];
    private readonly int[] selection = new int[HeapPageDecoder.MaxTuplesPerPage];

    /// <param name="relation">As for <see cref="HeapPageDecoder"/>.</param>
    /// <param name="attNums">The scan's attributes: the columns of the batches filled.</param>
    /// <param name="filterStages">Parts of the filter that may run early (any order; each reads some of the relation's attributes).</param>
    /// <param name="alwaysStaged">Run every stage on every batch, without the decision (measurements).</param>
    public StagedPageDecoder(RelationLayout relation, IReadOnlyList<int> attNums, IReadOnlyList<FilterStage> filterStages, bool alwaysStaged = false)
    {
        ArgumentNullException.ThrowIfNull(filterStages);
        full = new HeapPageDecoder(relation, attNums);
        plainCost = DecodeCost.Tuple + DecodeCost.Walk(relation, attNums.ToArray());
        stages = [.. filterStages
            .Select(s => new Stage(s, new HeapPageDecoder(relation, s.AttNums), DecodeCost.Tuple + DecodeCost.Walk(relation, s.AttNums.ToArray()) + DecodeCost.Select))
            .OrderBy(s => s.Cost)
            .Take(MaxStages)];
        foreach (var s in stages) s.Enabled = true;
        decided = stages.Length == 0 || alwaysStaged;
    }

    /// <summary>The decoder of the scan's columns (what the plain path runs).</summary>
    public HeapPageDecoder Full => full;

    /// <summary>Whether batches are still decoded in stages (false once the first batch showed it does not pay, or when there is no stage).</summary>
    public bool Late => stages.Any(s => s.Enabled);

    /// <summary>The stages that run, cheapest first (all of them before the first batch).</summary>
    public IEnumerable<string> Running => stages.Where(s => s.Enabled).Select(s => s.Filter.Description);

    /// <summary>An empty batch of the scan's columns.</summary>
    public RecordBatch NewBatch(int capacity) => full.NewBatch(capacity);

    /// <summary>
    /// Appends to <paramref name="into"/> the rows of <paramref name="pages"/> that pass the running
    /// stages (every visible row when none runs), in page order; returns how many. The stages and
    /// the final decode run page by page, so a page is walked again while it is still in cache.
    /// </summary>
    public int DecodePages(IPageBatch pages, RecordBatch into)
    {
        ArgumentNullException.ThrowIfNull(pages);
        ArgumentNullException.ThrowIfNull(into);
        if (decided && !Late) return DecodeAll(full, pages, into);

        bool probing = !decided;
        int count = 0;
        for (int p = 0; p < pages.Count; p++)
        {
            var page = pages.Page(p);
            var visibility = pages.Visibility(p);
            uint block = pages.Block(p);
            var detoasted = pages.Detoasted(p);
            int rows = -1; // -1: every row of the page; else ordinals[0..rows)
            foreach (var stage in stages)
            {
                if (!stage.Enabled) continue;
                var batch = stage.Batch ??= stage.Decoder.NewBatch(HeapPageDecoder.MaxTuplesPerPage);
                Clear(batch);
                int decoded;
                if (rows < 0)
                {
                    // the first walk of the page requests the next page's lines as Decode does
                    bool last = p + 1 == pages.Count;
                    decoded = stage.Decoder.Decode(page, visibility, block, batch, detoasted, last ? default : pages.Page(p + 1), last ? default : pages.Visibility(p + 1));
                    for (int k = 0; k < decoded; k++) ordinals[k] = k;
                }
                else
                {
                    decoded = stage.Decoder.DecodeSelected(page, visibility, block, ordinals.AsSpan(0, rows), batch, detoasted);
                }
                int passed = decoded == 0 ? 0 : stage.Filter.Select(batch, selection);
                if (passed < 0 || passed > decoded) passed = decoded; // declined: every row kept
                else
                {
                    for (int j = 0; j < passed; j++) ordinals[j] = ordinals[selection[j]];
                }
                rows = passed;
                if (probing)
                {
                    stage.RowsIn += decoded;
                    stage.RowsOut += rows;
                }
                if (rows == 0) break;
            }
            count += rows < 0
                ? full.Decode(page, visibility, block, into, detoasted)
                : full.DecodeSelected(page, visibility, block, ordinals.AsSpan(0, rows), into, detoasted);
        }
        if (probing) Decide();
        return count;
    }

    /// <summary>Every visible row of the pages, as the plain path decodes them.</summary>
    private static int DecodeAll(HeapPageDecoder decoder, IPageBatch pages, RecordBatch into)
    {
        int total = 0;
        for (int p = 0; p < pages.Count; p++)
        {
            var next = p + 1 < pages.Count ? pages.Page(p + 1) : default;
            var nextVisibility = p + 1 < pages.Count ? pages.Visibility(p + 1) : default;
            total += decoder.Decode(pages.Page(p), pages.Visibility(p), pages.Block(p), into, pages.Detoasted(p), next, nextVisibility);
        }
        return total;
    }

    /// <summary>
    /// After the first batch: each stage's share of rows kept (of the rows the stages before it
    /// kept) prices every subset of the stages run cheapest first, then the scan's columns for
    /// the rows left (every walk after the first one over scattered rows, <see cref="DecodeCost.Sparse"/>),
    /// and the rows left's cost above the scan (<see cref="DecodeCost.Downstream"/>); the cheapest
    /// subset runs from now on if it beats the plain decode by the margin, else the plain decode does.
    /// </summary>
    private void Decide()
    {
        decided = true;
        int n = stages.Length;
        double plain = plainCost + DecodeCost.Downstream;
        double best = plain * Margin;
        int bestMask = 0;
        for (int mask = 1; mask < (1 << n); mask++)
        {
            double fraction = 1, cost = 0, walk = 1;
            for (int k = 0; k < n; k++)
            {
                if ((mask & (1 << k)) == 0) continue;
                cost += fraction * walk * stages[k].Cost;
                walk = DecodeCost.Sparse;
                fraction *= stages[k].RowsIn == 0 ? 1 : stages[k].RowsOut / stages[k].RowsIn;
            }
            cost += fraction * ((DecodeCost.Sparse * plainCost) + DecodeCost.Downstream);
            if (cost < best)
            {
                best = cost;
                bestMask = mask;
            }
        }
        for (int k = 0; k < n; k++) stages[k].Enabled = (bestMask & (1 << k)) != 0;
        PlainCost = plain;
        ChosenCost = bestMask == 0 ? plain : best;
    }

    /// <summary>After the decision: the modelled cost per row of the plain decode and of the plan chosen (logs, tests).</summary>
    public double PlainCost { get; private set; }

    /// <inheritdoc cref="PlainCost"/>
    public double ChosenCost { get; private set; }

    private static void Clear(RecordBatch batch)
    {
        foreach (var c in batch.Columns) c.Reset();
        batch.Length = 0;
        batch.Selection = null;
        batch.SelectedCount = 0;
    }

    private sealed class Stage(FilterStage filter, HeapPageDecoder decoder, double cost)
    {
        public FilterStage Filter { get; } = filter;

        public HeapPageDecoder Decoder { get; } = decoder;

        /// <summary>Per row tested: walking and decoding the stage's columns, and the test.</summary>
        public double Cost { get; } = cost;

        public RecordBatch? Batch { get; set; }

        public bool Enabled { get; set; }

        /// <summary>Rows the stage tested and kept in the first batch.</summary>
        public double RowsIn { get; set; }

        public double RowsOut { get; set; }
    }
}
