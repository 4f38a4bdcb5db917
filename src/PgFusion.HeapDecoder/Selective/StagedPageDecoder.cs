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
/// Key stages (<see cref="FilterStage.Keys"/>: a join's keys) on an integer attribute after
/// fixed-width ones only run first, all in one walk of the line pointers that reads each key in
/// place and writes the kept rows' bitmap directly (<see cref="KeyPageWalk"/>); the rows it
/// cannot test plainly go through the stages' batches as any stage's rows do.
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
    /// <summary>A stage's passing rows (indices into its batch).</summary>
    private readonly int[] selection = new int[HeapPageDecoder.MaxTuplesPerPage];

    /// <summary>PGFUSION_KEY_WALK=0 in the server's environment tests key stages through their batches as other stages (A/B).</summary>
    private static readonly bool KeyWalkEnabled = Environment.GetEnvironmentVariable("PGFUSION_KEY_WALK") != "0";

    private readonly RelationLayout relation;

    /// <summary>The running key stages (<see cref="Stage.InWalk"/>) tested in one walk of the line pointers (null: none).</summary>
    private KeyPageWalk? keyWalk;

    /// <param name="relation">As for <see cref="HeapPageDecoder"/>.</param>
    /// <param name="attNums">The scan's attributes: the columns of the batches filled.</param>
    /// <param name="filterStages">Parts of the filter that may run early (any order; each reads some of the relation's attributes).</param>
    /// <param name="alwaysStaged">Run every stage on every batch, without the decision (measurements).</param>
    public StagedPageDecoder(RelationLayout relation, IReadOnlyList<int> attNums, IReadOnlyList<FilterStage> filterStages, bool alwaysStaged = false)
        : this(relation, attNums, filterStages, alwaysStaged, KeyWalkEnabled)
    {
    }

    /// <param name="keyWalk">Whether key stages that fit are tested in the walk of the line pointers (<see cref="KeyPageWalk"/>; tests compare the two).</param>
    internal StagedPageDecoder(RelationLayout relation, IReadOnlyList<int> attNums, IReadOnlyList<FilterStage> filterStages, bool alwaysStaged, bool keyWalk)
    {
        ArgumentNullException.ThrowIfNull(filterStages);
        this.relation = relation;
        full = new HeapPageDecoder(relation, attNums);
        plainCost = DecodeCost.Tuple + DecodeCost.Walk(relation, attNums.ToArray());
        // the key stages of the walk run first (it sets the bitmap the other stages and the decode read)
        stages = [.. filterStages
            .Select(s => new Stage(s, new HeapPageDecoder(relation, s.AttNums), DecodeCost.Tuple + DecodeCost.Walk(relation, s.AttNums.ToArray()) + DecodeCost.Select,
                keyWalk && KeyPageWalk.Fits(relation, s)))
            .OrderBy(s => s.InWalk ? 0 : 1)
            .ThenBy(s => s.Cost)
            .Take(MaxStages)];
        foreach (var s in stages) s.Enabled = true;
        decided = stages.Length == 0 || alwaysStaged;
        BuildKeyWalk();
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
    /// The rows of a page still in play are a line-pointer bitmap: the key walk writes it, each
    /// other stage decodes the rows it holds and clears the ones it rejects, and the decode of the
    /// scan's columns walks what is left.
    /// </summary>
    public int DecodePages(IPageBatch pages, RecordBatch into)
    {
        ArgumentNullException.ThrowIfNull(pages);
        ArgumentNullException.ThrowIfNull(into);
        if (decided && !Late) return DecodeAll(full, pages, into);

        bool probing = !decided;
        int count = 0;
        const int bitmapBytes = HeapPageDecoder.VisibilityBitmapBytes;
        // the line pointers of the page still in play, and those the key walk could not test
        Span<byte> rows = stackalloc byte[bitmapBytes];
        Span<byte> unsure = stackalloc byte[bitmapBytes];
        var walk = keyWalk;
        for (int p = 0; p < pages.Count; p++)
        {
            var page = pages.Page(p);
            var visibility = pages.Visibility(p);
            uint block = pages.Block(p);
            var detoasted = pages.Detoasted(p);
            bool last = p + 1 == pages.Count;
            var nextPage = last ? default : pages.Page(p + 1);
            var nextVisibility = last ? default : pages.Visibility(p + 1);
            // how many rows are in play (-1: every visible one, not counted)
            int inPlay = -1;
            if (visibility.Length < bitmapBytes) throw new ArgumentException($"visibility bitmap has {visibility.Length} bytes, expected {bitmapBytes}", nameof(pages));
            visibility[..bitmapBytes].CopyTo(rows);
            // the first walk of the page requests the next page's lines, as Decode does
            bool requested = false;
            if (walk is not null)
            {
                inPlay = walk.Select(page, visibility, nextPage, rows, unsure, out int unsureCount);
                if (unsureCount > 0) inPlay += TestUnsure(page, block, detoasted, rows, unsure, probing);
                requested = true;
            }
            foreach (var stage in stages)
            {
                if (!stage.Enabled || stage.InWalk) continue;
                if (inPlay == 0) break;
                int passed = RunStage(stage, page, rows, block, detoasted, requested ? default : nextPage, requested ? default : nextVisibility);
                requested = true;
                if (probing)
                {
                    stage.RowsIn += stage.Batch!.Length;
                    stage.RowsOut += passed;
                }
                inPlay = passed;
            }
            if (inPlay == 0) continue;
            count += full.Decode(page, rows, block, into, detoasted, requested ? default : nextPage, requested ? default : nextVisibility);
        }
        if (probing) Decide();
        return count;
    }

    /// <summary>
    /// One stage over the rows of <paramref name="rows"/>: decodes them into the stage's batch, tests
    /// them, and clears the bits of the rows it rejects (none when it declines the batch). Returns
    /// how many rows are left.
    /// </summary>
    private int RunStage(Stage stage, ReadOnlySpan<byte> page, Span<byte> rows, uint block, IDetoastedValues? detoasted,
        ReadOnlySpan<byte> nextPage = default, ReadOnlySpan<byte> nextVisibility = default)
    {
        var batch = stage.Batch ??= stage.Decoder.NewBatch(HeapPageDecoder.MaxTuplesPerPage);
        Clear(batch);
        int decoded = stage.Decoder.Decode(page, rows, block, batch, detoasted, nextPage, nextVisibility);
        int passed = decoded == 0 ? 0 : stage.Filter.Select(batch, selection);
        if (passed < 0 || passed > decoded) return decoded; // declined: every row kept
        if (passed < decoded) SelectedRows.Narrow(page, rows, selection.AsSpan(0, passed));
        return passed;
    }

    /// <summary>
    /// The tuples the key walk could not test (<paramref name="unsure"/>: NULLs, a missing attribute,
    /// anything corrupt) through the walk's stages' batches, in order, as any stage: each decodes
    /// them (raising as Decode does) and drops the ones it rejects; the rest join
    /// <paramref name="rows"/>. Returns how many.
    /// </summary>
    private int TestUnsure(ReadOnlySpan<byte> page, uint block, IDetoastedValues? detoasted, Span<byte> rows, Span<byte> unsure, bool probing)
    {
        int inPlay = -1;
        foreach (var stage in stages)
        {
            if (!stage.Enabled || !stage.InWalk) continue;
            if (inPlay == 0) return 0;
            int passed = RunStage(stage, page, unsure, block, detoasted);
            if (probing)
            {
                stage.RowsIn += stage.Batch!.Length;
                stage.RowsOut += passed;
            }
            inPlay = passed;
        }
        for (int b = 0; b < HeapPageDecoder.VisibilityBitmapBytes; b++) rows[b] |= unsure[b];
        return inPlay;
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
        if (keyWalk is { } keys)
        {
            // the rows the key walk tested (the ones it could not test were counted by the stages' batches)
            int k = 0;
            foreach (var s in stages)
            {
                if (!s.InWalk || !s.Enabled) continue;
                s.RowsIn += keys.Tested[k];
                s.RowsOut += keys.Passed[k];
                k++;
            }
        }
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
        BuildKeyWalk();
    }

    /// <summary>The walk of the running key stages that fit it, in their order (none: null).</summary>
    private void BuildKeyWalk()
    {
        var inWalk = stages.Where(s => s.Enabled && s.InWalk).Select(s => s.Filter).ToArray();
        keyWalk = inWalk.Length == 0 ? null : KeyPageWalk.Create(relation, inWalk);
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

    private sealed class Stage(FilterStage filter, HeapPageDecoder decoder, double cost, bool inWalk)
    {
        public FilterStage Filter { get; } = filter;

        /// <summary>A key stage tested in the walk of the line pointers (<see cref="KeyPageWalk"/>), not through a batch.</summary>
        public bool InWalk { get; } = inWalk;

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
