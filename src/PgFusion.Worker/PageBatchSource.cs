using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.HeapDecoder;
using PgFusion.Ipc;
using PgFusion.Planner.Physical;

namespace PgFusion.Worker;

/// <summary>
/// One scan's batches: decodes served pages with HeapPageDecoder into a reused batch, returning
/// credit to the backend as pages are consumed.
/// </summary>
internal sealed class PageBatchSource : IBatchSource
{
    public const int BatchCapacity = 4096;
    private const uint CreditBatch = 4;

    private readonly SessionScanProvider provider;
    private readonly HeapPageDecoder? decoder;
    private readonly Queue<ServedPage> queued = new();
    private RecordBatch? batch;
    private ServedPage? held; // did not fit the current batch
    private uint consumedSinceCredit;
    private bool ended;
    private bool closed;

    public PageBatchSource(SessionScanProvider provider, uint scanId, PhysicalScan? scan)
    {
        this.provider = provider;
        ScanId = scanId;
        if (scan is not null)
            decoder = new HeapPageDecoder(scan.Relation, scan.AttNums);
    }

    public uint ScanId { get; }

    public long Pages { get; private set; }

    internal void Enqueue(ServedPage page) => queued.Enqueue(page);

    internal void MarkEnded() => ended = true;

    public RecordBatch? Next(CancellationToken cancellation)
    {
        if (decoder is null)
            throw new InvalidOperationException("scan opened without a layout cannot decode");
        batch ??= decoder.NewBatch(BatchCapacity);
        foreach (var c in batch.Columns)
            c.Reset();
        batch.Length = 0;
        batch.Selection = null;
        batch.SelectedCount = 0;
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            // wait only while the batch is empty: otherwise hand the kernels what there is
            var page = NextPage(wait: batch.Length == 0);
            if (page is null)
                return batch.Length > 0 ? batch : null;
            if (batch.Length > 0 && batch.Length + (int)page.Visible > BatchCapacity)
            {
                held = page;
                return batch;
            }
            Decode(page);
        }
    }

    private void Decode(ServedPage page)
    {
        var pool = provider.Region.Pages;
        try
        {
            if (page.Copy is { } copy)
                decoder!.Decode(copy.AsSpan(0, ShmemLayout.PageBytes), copy.AsSpan(ShmemLayout.PageBytes), page.Block, batch!, page.Detoasted);
            else
                decoder!.Decode(pool.Page(page.PoolIndex), pool.Visibility(page.PoolIndex), page.Block, batch!, page.Detoasted);
        }
        finally
        {
            Consumed(page);
        }
    }

    private void Consumed(ServedPage page)
    {
        if (page.PoolIndex >= 0)
            provider.Region.Pages.Release(page.PoolIndex);
        Pages++;
        if (++consumedSinceCredit >= CreditBatch && !ended && !closed)
        {
            provider.GrantCredit(ScanId, consumedSinceCredit);
            consumedSinceCredit = 0;
        }
    }

    /// <summary>The next page of this scan; null at the end, or (when not waiting) when none is ready.</summary>
    private ServedPage? NextPage(bool wait)
    {
        if (held is { } h)
        {
            held = null;
            return h;
        }
        while (true)
        {
            if (queued.TryDequeue(out var q))
                return q;
            if (ended)
                return null;
            var page = provider.Pump(this, wait, out bool received);
            if (page is not null)
                return page;
            if (!received && !wait)
                return null;
        }
    }

    /// <summary>Reads (and releases) every page without decoding; returns how many (debug plans).</summary>
    public long DrainPages()
    {
        while (NextPage(wait: true) is { } page)
            Consumed(page);
        return Pages;
    }

    /// <summary>Stops the scan early (e.g. LIMIT reached); pages still arriving are released.</summary>
    public void Close()
    {
        if (closed || ended)
            return;
        closed = true;
        provider.Close(ScanId);
    }
}
