using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.HeapDecoder;
using PgFusion.Ipc;
using PgFusion.Planner.Physical;

namespace PgFusion.Worker;

/// <summary>
/// One scan read by several threads. The scan is an ordinary <see cref="PageBatchSource"/> (one
/// SCAN_OPEN, one credit window, pages routed by the session's provider); a partition takes the
/// next batch's pages under a lock (the thread holding it pumps the session channel, so only one
/// thread reads or writes the channel at a time), numbers the batch, and decodes it outside the
/// lock with its own decoder into its own batch, freeing each pool entry as it goes.
/// </summary>
internal sealed class ParallelPageScan(PageBatchSource source, PhysicalScan scan, ScanPrefilter? prefilter, SessionScanProvider provider) : IParallelScan
{
    private readonly Lock gate = new();
    private readonly PagePool pool = provider.Region.Pages;
    private long nextSequence;
    private volatile bool stopped;

    public IParallelPartition Partition()
    {
        var staged = LateScan.TryCreate(scan, prefilter);
        return new PagePartition(this, staged?.Full ?? new HeapPageDecoder(scan.Relation, scan.AttNums), staged);
    }

    public void Stop() => stopped = true;

    private List<ServedPage>? Take(CancellationToken cancellation, out long sequence)
    {
        lock (gate)
        {
            sequence = -1;
            if (stopped)
                return null;
            var pages = source.TakeBatchPages(cancellation);
            if (pages is not null)
                sequence = nextSequence++;
            return pages;
        }
    }

    private sealed class PagePartition(ParallelPageScan owner, HeapPageDecoder decoder, StagedPageDecoder? staged) : IParallelPartition
    {
        private RecordBatch? batch;

        public long Sequence { get; private set; } = -1;

        /// <summary>
        /// The next batch. With late materialization it can be empty (no row of its pages passed
        /// the filter's stages); it still goes up: its sequence number was taken, and a gather in
        /// scan order waits for every number.
        /// </summary>
        public RecordBatch? Next(CancellationToken cancellation)
        {
            var pages = owner.Take(cancellation, out long sequence);
            if (pages is null)
                return null;
            Sequence = sequence;
            var b = batch ??= decoder.NewBatch(PageBatchSource.BatchCapacity);
            foreach (var c in b.Columns)
                c.Reset();
            b.Length = 0;
            b.Selection = null;
            b.SelectedCount = 0;
            if (staged is { Late: true } late)
                LateScan.DecodePages(owner.pool, late, b, pages);
            else
                PageBatchSource.DecodePages(owner.pool, decoder, b, pages);
            return b;
        }
    }
}
