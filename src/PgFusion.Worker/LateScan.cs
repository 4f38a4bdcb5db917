using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.HeapDecoder;
using PgFusion.Ipc;
using PgFusion.Planner.Physical;

namespace PgFusion.Worker;

/// <summary>
/// Late materialization in the worker: a scan whose filter offers stages (<see cref="ScanPrefilter"/>,
/// Codegen) decodes its pages with a <see cref="StagedPageDecoder"/> (HeapDecoder), the two
/// joined here through Arrow batches only. PGFUSION_LATE_MATERIALIZATION=0 in the server's
/// environment turns it off, =force runs every stage on every batch without the cost decision
/// (A/B measurements).
/// </summary>
internal static class LateScan
{
    private static readonly string? Setting = Environment.GetEnvironmentVariable("PGFUSION_LATE_MATERIALIZATION");
    private static readonly bool Enabled = Setting != "0";
    private static readonly bool Forced = Setting == "force";

    /// <summary>A staged decoder for one decoding thread of the scan, or null when the scan decodes plainly.</summary>
    public static StagedPageDecoder? TryCreate(PhysicalScan scan, ScanPrefilter? prefilter)
    {
        if (!Enabled || prefilter is null || prefilter.Stages.Count == 0) return null;
        return new StagedPageDecoder(scan.Relation, scan.AttNums, [.. prefilter.Stages.Select(s => Stage(scan, s))], alwaysStaged: Forced);
    }

    /// <summary>
    /// The stage as the decoder runs it: its batch holds only the stage's column, the prefilter
    /// reads it at its position among the scan's columns (the others are empty placeholders it
    /// never reads). One view per decoder, so per thread.
    /// </summary>
    private static FilterStage Stage(PhysicalScan scan, PrefilterStage stage)
    {
        var view = new Column[scan.AttNums.Count];
        for (int i = 0; i < view.Length; i++) view[i] = PgArrowMapping.CreateColumn(scan.Relation.Attribute(scan.AttNums[i]).Type, 1);
        int position = stage.Column;
        RowSelector select = (batch, selection) =>
        {
            view[position] = batch.Columns[0];
            return stage.Select(new RecordBatch(view, batch.Length), selection);
        };
        // a join-key stage: the decoder may test its keys in the walk of each page (the bits are shared, not copied)
        return stage.Keys is { } keys
            ? new FilterStage(scan.AttNums[position], new StageKeys(keys.Words, keys.Min, keys.Range), select, stage.Description)
            : new FilterStage([scan.AttNums[position]], select, stage.Description);
    }

    /// <summary>
    /// Decodes a batch's pages in stages, then frees their pool entries (all of them, also when
    /// it fails: the request fails anyway). A stage reads the pages again, so none is freed before the end.
    /// </summary>
    public static void DecodePages(PagePool pool, StagedPageDecoder decoder, RecordBatch batch, List<ServedPage> pages)
    {
        bool failed = true;
        try
        {
            decoder.DecodePages(new ServedPages(pool, pages), batch);
            failed = false;
        }
        finally
        {
            for (int i = 0; i < pages.Count; i++)
            {
                if (pages[i].PoolIndex >= 0)
                    pool.Release(pages[i].PoolIndex, pages[i].WakeOnRelease || (failed && i == pages.Count - 1));
            }
        }
    }

    /// <summary>A batch's served pages, in the pool or copied out.</summary>
    private sealed class ServedPages(PagePool pool, List<ServedPage> pages) : IPageBatch
    {
        public int Count => pages.Count;

        public ReadOnlySpan<byte> Page(int index) =>
            pages[index].Copy is { } copy ? copy.AsSpan(0, ShmemLayout.PageBytes) : pool.Page(pages[index].PoolIndex);

        public ReadOnlySpan<byte> Visibility(int index) =>
            pages[index].Copy is { } copy ? copy.AsSpan(ShmemLayout.PageBytes) : pool.Visibility(pages[index].PoolIndex);

        public uint Block(int index) => pages[index].Block;

        public IDetoastedValues? Detoasted(int index) => pages[index].Detoasted;
    }
}
