using System.Diagnostics;
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

    private readonly SessionScanProvider provider;
    private readonly HeapPageDecoder? decoder;
    private readonly Queue<ServedPage> queued = new();
    private RecordBatch? batch;
    private ServedPage? held; // did not fit the current batch
    /// <summary>PGFUSION_TRACE_SCANS=1 in the server's environment: one log line per scan with its timings.</summary>
    private static readonly bool Trace = Environment.GetEnvironmentVariable("PGFUSION_TRACE_SCANS") == "1";

    private readonly uint creditBatch;
    private long decodeTicks;
    private long waitTicks;
    private long insideTicks;
    private long firstTick;
    private long messages;
    private uint consumedSinceCredit;
    private bool ended;
    private bool closed;

    public PageBatchSource(SessionScanProvider provider, uint scanId, PhysicalScan? scan)
    {
        this.provider = provider;
        ScanId = scanId;
        // Credit goes back in steps of a quarter of the window (at least 4, at most 32 pages):
        // one CREDIT per backend PAGE_RUN rather than one per few pages.
        creditBatch = Math.Clamp(provider.InitialCredit / 4, 4u, 32u);
        if (scan is not null)
            decoder = new HeapPageDecoder(scan.Relation, scan.AttNums);
    }

    public uint ScanId { get; }

    public long Pages { get; private set; }

    internal void Enqueue(ServedPage page) => queued.Enqueue(page);

    internal void MarkEnded() => ended = true;

    /// <summary>
    /// Copies this scan's queued pool pages out of the pool and frees them (another scan is about to
    /// wait for pages: what this one holds must not use up the session's pool quota meanwhile).
    /// </summary>
    internal void CopyOutPooled()
    {
        int n = queued.Count;
        for (int i = 0; i < n; i++)
        {
            var page = queued.Dequeue();
            queued.Enqueue(page.PoolIndex >= 0 ? provider.CopyOut(page, wake: i == n - 1) : page);
        }
    }

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
        long entered = Stopwatch.GetTimestamp();
        if (firstTick == 0)
            firstTick = entered;
        try
        {
            while (true)
            {
                cancellation.ThrowIfCancellationRequested();
                // wait only while the batch is empty: otherwise hand the kernels what there is
                var page = NextPage(wait: batch.Length == 0);
                if (page is null)
                {
                    if (batch.Length > 0)
                        return batch;
                    TraceEnd();
                    return null;
                }
                if (batch.Length > 0 && batch.Length + (int)page.Visible > BatchCapacity)
                {
                    held = page;
                    return batch;
                }
                long t = Stopwatch.GetTimestamp();
                Decode(page);
                decodeTicks += Stopwatch.GetTimestamp() - t;
            }
        }
        finally
        {
            insideTicks += Stopwatch.GetTimestamp() - entered;
        }
    }

    private void TraceEnd()
    {
        if (!Trace)
            return;
        long now = Stopwatch.GetTimestamp();
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        WorkerLog.Info($"scan {ScanId}: {Pages} pages in {messages} messages; {Ms(now - firstTick):F1} ms from first batch request: decode {Ms(decodeTicks):F1} ms, receive/wait {Ms(waitTicks):F1} ms, other scan work {Ms(insideTicks - decodeTicks - waitTicks):F1} ms, kernels (outside the scan) {Ms(now - firstTick - insideTicks):F1} ms");
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
            provider.Region.Pages.Release(page.PoolIndex, page.WakeOnRelease);
        Pages++;
        if (++consumedSinceCredit >= creditBatch && !ended && !closed)
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
            long t = Stopwatch.GetTimestamp();
            var page = provider.Pump(this, wait, out bool received);
            waitTicks += Stopwatch.GetTimestamp() - t;
            if (received)
                messages++;
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
