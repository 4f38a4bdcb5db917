using System.Diagnostics;
using System.Runtime.ExceptionServices;
using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.HeapDecoder;
using PgFusion.Ipc;
using PgFusion.Planner.Physical;

namespace PgFusion.Worker;

/// <summary>
/// One scan's batches. Pages arrive in the session thread (which alone reads the channel); each
/// batch's pages are decoded with HeapPageDecoder on a thread-pool thread (or by the session thread
/// itself if it needs the batch before a pool thread started on it) while the session thread
/// runs the kernels over the previous batch and gathers the pages of the next one: decoding and
/// the operators overlap on the two cores, and batches come out in page order, so every operator
/// sees exactly what a sequential decode gives. Two batches (and two decoders) alternate: the one
/// the caller holds and the one being decoded. Credit goes back to the backend as batches finish.
/// </summary>
internal sealed class PageBatchSource : IIndexProbe
{
    public const int BatchCapacity = 4096;

    /// <summary>PGFUSION_TRACE_SCANS=1 in the server's environment: one log line per scan with its timings.</summary>
    private static readonly bool Trace = Environment.GetEnvironmentVariable("PGFUSION_TRACE_SCANS") == "1";

    private readonly SessionScanProvider provider;
    private readonly HeapPageDecoder?[] decoders = new HeapPageDecoder?[2];

    /// <summary>Per buffer, the late-materialization decoder (null: the scan decodes plainly); its Full decoder is decoders[k].</summary>
    private readonly StagedPageDecoder?[] staged = new StagedPageDecoder?[2];
    private readonly RecordBatch?[] batches = new RecordBatch?[2];
    private readonly Queue<ServedPage> queued = new();
    private readonly uint creditBatch;
    private ServedPage? held; // did not fit the batch being gathered
    private DecodeJob? inflight;
    private int nextBuffer;
    private long decodeTicks;
    private long waitTicks;
    private long insideTicks;
    private long firstTick;
    private long messages;
    private uint consumedSinceCredit;
    private volatile bool ended;
    private volatile bool closed;

    public PageBatchSource(SessionScanProvider provider, uint scanId, PhysicalScan? scan, ScanPrefilter? prefilter = null)
    {
        this.provider = provider;
        ScanId = scanId;
        // Credit goes back in steps of a quarter of the window (at least 4, at most 32 pages):
        // one CREDIT per backend PAGE_RUN rather than one per few pages.
        creditBatch = Math.Clamp(provider.InitialCredit / 4, 4u, 32u);
        if (scan is not null)
        {
            for (int k = 0; k < 2; k++)
            {
                staged[k] = LateScan.TryCreate(scan, prefilter);
                decoders[k] = staged[k]?.Full ?? new HeapPageDecoder(scan.Relation, scan.AttNums);
            }
        }
    }

    public uint ScanId { get; }

    public long Pages { get; private set; }

    /// <summary>
    /// An index probe's pages copied out of the pool while another scan is read are credited at once
    /// (the backend probes on while the outer input is read; the copies are the rows the join's build
    /// side takes anyway). Sequential scans keep their credit window.
    /// </summary>
    public bool EagerCredit { get; init; }

    private uint creditedEarly;

    internal void Enqueue(ServedPage page) => queued.Enqueue(EarlyCredit(page));

    private ServedPage EarlyCredit(ServedPage page)
    {
        if (!EagerCredit || page.PoolIndex >= 0 || page.Credited || ended || closed)
            return page;
        if (++creditedEarly >= creditBatch)
        {
            provider.GrantCredit(ScanId, creditedEarly);
            creditedEarly = 0;
        }
        return page with { Credited = true };
    }

    /// <summary>PROBE_KEYS: more keys of this index probe.</summary>
    public void AddKeys(ReadOnlySpan<long> keys, bool last)
    {
        if (!closed && !ended)
            provider.SendProbeKeys(ScanId, keys, last);
    }

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
            queued.Enqueue(EarlyCredit(page.PoolIndex >= 0 ? provider.CopyOut(page, wake: i == n - 1) : page));
        }
    }

    /// <summary>
    /// One batch's pages, decoded into <see cref="Batch"/> by whichever thread claims it first: a
    /// pool thread, or the session thread when it needs the batch before a pool thread got to it
    /// (so a busy machine's scheduling delay never leaves the session thread idle).
    /// </summary>
    private sealed class DecodeJob(PageBatchSource owner, RecordBatch batch, HeapPageDecoder decoder, StagedPageDecoder? staged, List<ServedPage> pages)
    {
        private int claimed;
        private bool completed;
        private ExceptionDispatchInfo? error;

        public RecordBatch Batch { get; } = batch;
        public HeapPageDecoder Decoder { get; } = decoder;
        public StagedPageDecoder? Staged { get; } = staged;
        public List<ServedPage> Pages { get; } = pages;
        public long Ticks { get; set; }

        /// <summary>Decodes unless another thread has claimed the job.</summary>
        public void RunIfUnclaimed()
        {
            if (Interlocked.Exchange(ref claimed, 1) != 0)
                return;
            // a pool thread takes the request's SCHED_BATCH for the decode (the session thread has it already)
            bool batch = owner.provider.BatchScheduling && ThreadScheduling.EnterBatch();
            try
            {
                owner.Decode(this);
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                ThreadScheduling.LeaveBatch(batch);
                lock (this)
                {
                    completed = true;
                    Monitor.PulseAll(this);
                }
            }
        }

        /// <summary>Runs the job here if no thread has started it, else waits for it; rethrows its error when asked.</summary>
        public void Complete(bool rethrow)
        {
            RunIfUnclaimed();
            lock (this)
            {
                while (!completed)
                    Monitor.Wait(this);
            }
            if (rethrow)
                error?.Throw();
        }
    }

    /// <summary>
    /// The next batch, or null at the end. With late materialization a batch can come out empty
    /// (no row of its pages passed the filter's stages): it is skipped.
    /// </summary>
    public RecordBatch? Next(CancellationToken cancellation)
    {
        while (true)
        {
            var batch = NextDecoded(cancellation);
            if (batch is null || batch.Length > 0 || staged[0] is null)
                return batch;
        }
    }

    private RecordBatch? NextDecoded(CancellationToken cancellation)
    {
        if (decoders[0] is null)
            throw new InvalidOperationException("scan opened without a layout cannot decode");
        long entered = Stopwatch.GetTimestamp();
        if (firstTick == 0)
            firstTick = entered;
        try
        {
            // The caller is done with the batch it got last time: that buffer takes the next pages.
            // inflight always names a started job until it is finished, so Quiesce finds it if
            // anything below throws
            var current = inflight ??= StartDecode(null, cancellation);
            if (current is null)
            {
                TraceEnd();
                return null;
            }
            var following = StartDecode(current, cancellation);
            try
            {
                Finish(current);
            }
            finally
            {
                inflight = following;
            }
            return current.Batch;
        }
        finally
        {
            insideTicks += Stopwatch.GetTimestamp() - entered;
        }
    }

    /// <summary>
    /// Gathers the pages of one batch (waiting only for the first) and starts decoding them; null at
    /// the end. Before it waits, the <paramref name="pending"/> job is completed (decoded here if no
    /// pool thread has started it), so the pool entries it holds go back to the backend first.
    /// Credit goes back as pages are taken off the queue: a batch of pages with few visible rows
    /// may gather many pages, and the backend must never run out of credit while this side waits.
    /// </summary>
    private DecodeJob? StartDecode(DecodeJob? pending, CancellationToken cancellation)
    {
        var pages = new List<ServedPage>();
        int rows = 0;
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            if (pages.Count == 0 && pending is not null && held is null && queued.Count == 0)
                pending.Complete(rethrow: false);
            var page = NextPage(wait: pages.Count == 0);
            if (page is null)
                break;
            if (pages.Count > 0 && rows + (int)page.Visible > BatchCapacity)
            {
                held = page;
                break;
            }
            pages.Add(page);
            rows += (int)page.Visible;
            Taken(page);
        }
        if (pages.Count == 0)
            return null;
        int k = nextBuffer;
        nextBuffer ^= 1;
        var decoder = decoders[k]!;
        var batch = batches[k] ??= decoder.NewBatch(BatchCapacity);
        foreach (var c in batch.Columns)
            c.Reset();
        batch.Length = 0;
        batch.Selection = null;
        batch.SelectedCount = 0;
        var job = new DecodeJob(this, batch, decoder, staged[k], pages);
        ThreadPool.UnsafeQueueUserWorkItem(static j => j.RunIfUnclaimed(), job, preferLocal: false);
        return job;
    }

    /// <summary>Decodes the job's pages in order, freeing each pool entry after it is read.</summary>
    private void Decode(DecodeJob job)
    {
        long t = Stopwatch.GetTimestamp();
        try
        {
            if (job.Staged is { Late: true } late)
                LateScan.DecodePages(provider.Region.Pages, late, job.Batch, job.Pages);
            else
                DecodePages(provider.Region.Pages, job.Decoder, job.Batch, job.Pages);
        }
        finally
        {
            job.Ticks = Stopwatch.GetTimestamp() - t;
        }
    }

    /// <summary>Decodes pages in order into <paramref name="batch"/>, freeing each pool entry after it is read (all of them, if one fails).</summary>
    internal static void DecodePages(PagePool pool, HeapPageDecoder decoder, RecordBatch batch, List<ServedPage> pages)
    {
        int i = 0;
        try
        {
            for (; i < pages.Count; i++)
            {
                var page = pages[i];
                // the page decoded next, whose cache lines the decoder requests while it walks this one
                ReadOnlySpan<byte> nextPage = default, nextVisibility = default;
                if (i + 1 < pages.Count)
                {
                    var next = pages[i + 1];
                    if (next.Copy is { } nextCopy)
                    {
                        nextPage = nextCopy.AsSpan(0, ShmemLayout.PageBytes);
                        nextVisibility = nextCopy.AsSpan(ShmemLayout.PageBytes);
                    }
                    else
                    {
                        nextPage = pool.Page(next.PoolIndex);
                        nextVisibility = pool.Visibility(next.PoolIndex);
                    }
                }
                if (page.Copy is { } copy)
                    decoder.Decode(copy.AsSpan(0, ShmemLayout.PageBytes), copy.AsSpan(ShmemLayout.PageBytes), page.Block, batch, page.Detoasted, nextPage, nextVisibility);
                else
                {
                    decoder.Decode(pool.Page(page.PoolIndex), pool.Visibility(page.PoolIndex), page.Block, batch, page.Detoasted, nextPage, nextVisibility);
                    pool.Release(page.PoolIndex, page.WakeOnRelease);
                }
            }
        }
        catch
        {
            // the failing page and the rest are freed unread (the request fails anyway)
            for (; i < pages.Count; i++)
                if (pages[i].PoolIndex >= 0)
                    pool.Release(pages[i].PoolIndex, wake: i == pages.Count - 1);
            throw;
        }
    }

    /// <summary>
    /// The pages of the next batch (as <see cref="StartDecode"/> gathers them, waiting only for the
    /// first), not decoded; null at the end. A parallel scan's partitions call it one at a time.
    /// </summary>
    internal List<ServedPage>? TakeBatchPages(CancellationToken cancellation)
    {
        var pages = new List<ServedPage>();
        int rows = 0;
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            var page = NextPage(wait: pages.Count == 0);
            if (page is null)
                break;
            if (pages.Count > 0 && rows + (int)page.Visible > BatchCapacity)
            {
                held = page;
                break;
            }
            pages.Add(page);
            rows += (int)page.Visible;
            Taken(page);
        }
        return pages.Count == 0 ? null : pages;
    }

    /// <summary>Waits for a job (decoding it here if no pool thread started it), rethrowing its exception.</summary>
    private void Finish(DecodeJob job)
    {
        job.Complete(rethrow: true);
        decodeTicks += job.Ticks;
    }

    /// <summary>A page was taken off the queue: count it and return credit in steps.</summary>
    private void Taken(ServedPage page)
    {
        Pages++;
        if (page.Credited)
            return;
        if (++consumedSinceCredit >= creditBatch && !ended && !closed)
        {
            provider.GrantCredit(ScanId, consumedSinceCredit);
            consumedSinceCredit = 0;
        }
    }

    /// <summary>
    /// Waits for a decode still running (its pool pages must be freed before the session's slot can
    /// be reclaimed and reused); its result and errors no longer matter.
    /// </summary>
    internal void Quiesce()
    {
        if (inflight is not { } job)
            return;
        inflight = null;
        // the request is over; an error of this decode no longer matters
        job.Complete(rethrow: false);
    }

    private void TraceEnd()
    {
        if (!Trace)
            return;
        long now = Stopwatch.GetTimestamp();
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        WorkerLog.Info($"scan {ScanId}: {Pages} pages in {messages} messages; {Ms(now - firstTick):F1} ms from first batch request: decode {Ms(decodeTicks):F1} ms (pool threads), receive/wait {Ms(waitTicks):F1} ms, other scan work {Ms(insideTicks - waitTicks):F1} ms, kernels (outside the scan) {Ms(now - firstTick - insideTicks):F1} ms");
    }

    private void Consumed(ServedPage page)
    {
        if (page.PoolIndex >= 0)
            provider.Region.Pages.Release(page.PoolIndex, page.WakeOnRelease);
        Taken(page);
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
        Quiesce();
        if (closed || ended)
            return;
        closed = true;
        provider.Close(ScanId);
    }
}
