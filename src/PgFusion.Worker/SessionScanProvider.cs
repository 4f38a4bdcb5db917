using System.Buffers;
using PgFusion.Codegen.Execution;
using PgFusion.Ipc;
using PgFusion.Planner.Physical;

namespace PgFusion.Worker;

/// <summary>
/// Scans over pages the backend serves. Each scan opens with SCAN_OPEN and a page credit; the
/// backend sends PAGE messages while credit and the session's pool quota last; consuming a page
/// returns credit. A page that arrives for a scan nobody is reading right now is copied out of
/// the pool at once, so the pool never fills with pages a join's other side will read later.
/// </summary>
internal sealed class SessionScanProvider : IScanProvider, IIndexProbeProvider, IParallelScanProvider
{
    private readonly MessageChannel channel;
    private readonly SharedRegion region;
    private readonly CancellationToken cancellation;
    private readonly Dictionary<uint, PageBatchSource> scans = [];
    private readonly Lock scansGate = new();
    private uint nextScanId;
    private readonly List<string> parallel = [];

    public SessionScanProvider(MessageChannel channel, SharedRegion region, CancellationToken cancellation, int degree = 1)
    {
        Degree = Math.Max(1, degree);
        this.channel = channel;
        this.region = region;
        this.cancellation = cancellation;
        InitialCredit = (uint)Math.Max(1, region.SessionPageQuota);
    }

    public uint InitialCredit { get; }

    /// <summary>EXECUTE asked for SCHED_BATCH threads (pg_fusion.serve_tuning bit 1024): pool threads decoding this request's batches take it while they do.</summary>
    public bool BatchScheduling { get; init; }

    public SharedRegion Region => region;

    public CancellationToken Cancellation => cancellation;

    public IBatchSource OpenScan(PhysicalScan scan) => Open(scan.Relation.RelId, scan.AttNums, scan);

    public IBatchSource OpenScan(PhysicalScan scan, ScanPrefilter? prefilter) => Open(scan.Relation.RelId, scan.AttNums, scan, prefilter);

    /// <summary>Threads a pipeline of this request may use (EXECUTE flags: pg_fusion.worker_threads).</summary>
    public int Degree { get; }

    public IParallelScan OpenParallelScan(PhysicalScan scan, string pipeline) => OpenParallelScan(scan, pipeline, null);

    public IParallelScan OpenParallelScan(PhysicalScan scan, string pipeline, ScanPrefilter? prefilter)
    {
        parallel.Add($"{pipeline}: {Degree} threads");
        return new ParallelPageScan(Open(scan.Relation.RelId, scan.AttNums, scan), scan, prefilter, this);
    }

    /// <summary>The pipelines this request ran on several threads, one line each, in the order they started (DONE, EXPLAIN ANALYZE).</summary>
    public IReadOnlyList<string> ParallelPipelines => parallel;

    public PageBatchSource Open(uint relId, IReadOnlyList<int> attNums, PhysicalScan? scan, ScanPrefilter? prefilter = null)
    {
        var source = Register(id => new PageBatchSource(this, id, scan, prefilter));
        uint id = source.ScanId;
        var w = new ArrayBufferWriter<byte>();
        Wire.U32(w, id);
        Wire.U32(w, relId);
        Wire.U32(w, InitialCredit);
        Wire.U32(w, (uint)attNums.Count);
        foreach (int a in attNums)
            Wire.U32(w, (uint)a);
        channel.Send(MessageType.ScanOpen, w.WrittenSpan, cancellation);
        return source;
    }

    /// <summary>
    /// PROBE: the backend looks the keys up in the index and serves the matching visible tuples
    /// packed into pages, as PAGE messages of this scan id, then SCAN_END (after the last
    /// PROBE_KEYS when <paramref name="moreKeys"/>). Its pages are copied out and credited as they
    /// arrive while another scan is read, so the backend probes on while the outer input is read.
    /// </summary>
    public IIndexProbe OpenIndexProbe(PhysicalScan scan, uint indexOid, IReadOnlyList<ProbeCondition>? firstMatch, IReadOnlyList<ProbeCondition>? filter, ReadOnlySpan<long> keys, bool moreKeys)
    {
        var source = Register(id => new PageBatchSource(this, id, scan) { EagerCredit = true });
        uint id = source.ScanId;
        if (firstMatch is not null) filter = null;
        var conditions = firstMatch ?? filter ?? [];
        var w = new ArrayBufferWriter<byte>(32 + 4 * scan.AttNums.Count + 24 * conditions.Count + 8 * keys.Length);
        Wire.U32(w, id);
        Wire.U32(w, scan.Relation.RelId);
        Wire.U32(w, indexOid);
        Wire.U32(w, InitialCredit);
        Wire.U32(w, (uint)scan.AttNums.Count);
        Wire.U32(w, (uint)keys.Length);
        Wire.U32(w, (firstMatch is null ? 0u : ProbeFirstMatch) | (filter is null ? 0u : ProbeFilter) | (moreKeys ? ProbeMoreKeys : 0u));
        Wire.U32(w, (uint)conditions.Count);
        foreach (int a in scan.AttNums)
            Wire.U32(w, (uint)a);
        foreach (var c in conditions)
        {
            Wire.U32(w, c.FuncOid);
            Wire.U16(w, unchecked((ushort)checked((short)c.LeftAttNum)));
            Wire.U16(w, unchecked((ushort)checked((short)c.RightAttNum)));
            Wire.U32(w, c.ConstType);
            Wire.U32(w, c.ConstLength);
            Wire.U64(w, unchecked((ulong)c.ConstValue));
        }
        foreach (long k in keys)
            Wire.U64(w, unchecked((ulong)k));
        channel.Send(MessageType.Probe, w.WrittenSpan, cancellation);
        return source;
    }

    /// <summary>PROBE flags (docs/ipc.md 6.3).</summary>
    private const uint ProbeFirstMatch = 1, ProbeMoreKeys = 2, ProbeFilter = 4;

    /// <summary>PROBE_KEYS: u32 scan_id, u32 last, the keys.</summary>
    internal void SendProbeKeys(uint scanId, ReadOnlySpan<long> keys, bool last)
    {
        var w = new ArrayBufferWriter<byte>(8 + 8 * keys.Length);
        Wire.U32(w, scanId);
        Wire.U32(w, last ? 1u : 0u);
        foreach (long k in keys)
            Wire.U64(w, unchecked((ulong)k));
        channel.Send(MessageType.ProbeKeys, w.WrittenSpan, cancellation);
    }

    /// <summary>A new scan id and its source, entered in the scan table before any message names it.</summary>
    private PageBatchSource Register(Func<uint, PageBatchSource> create)
    {
        lock (scansGate)
        {
            var source = create(nextScanId++);
            scans[source.ScanId] = source;
            return source;
        }
    }

    /// <summary>The scans open so far (a copy: another thread may open one meanwhile).</summary>
    private PageBatchSource[] Scans()
    {
        lock (scansGate)
            return [.. scans.Values];
    }

    /// <summary>Waits for every scan's decode still running; called when the request ends, however it ends.</summary>
    public void Quiesce()
    {
        foreach (var s in Scans())
            s.Quiesce();
    }

    internal void GrantCredit(uint scanId, uint pages)
    {
        Span<byte> p = stackalloc byte[8];
        BitConverter.TryWriteBytes(p, scanId);
        BitConverter.TryWriteBytes(p[4..], pages);
        channel.Send(MessageType.Credit, p, cancellation);
    }

    internal void Close(uint scanId)
    {
        Span<byte> p = stackalloc byte[4];
        BitConverter.TryWriteBytes(p, scanId);
        channel.Send(MessageType.ScanClose, p, cancellation);
    }

    /// <summary>
    /// Receives one message (waiting) and routes it. Returns a PAGE for <paramref name="reader"/>
    /// left in the pool, or null when the message went to a queue (a PAGE_RUN's pages, copies of
    /// pages for other scans) or ended a scan. Before waiting, the other scans' queued pool pages
    /// are copied out, so that paused scans never hold the session's pool quota.
    /// </summary>
    internal ServedPage? Pump(PageBatchSource reader, bool wait, out bool received)
    {
        Message message;
        if (wait)
        {
            foreach (var other in Scans())
                if (other != reader)
                    other.CopyOutPooled();
            message = channel.Receive(cancellation);
        }
        else if (!channel.TryReceive(out message, cancellation))
        {
            received = false;
            return null;
        }
        received = true;
        var p = message.Span;
        switch (message.Type)
        {
            case MessageType.Page:
                {
                    uint scanId = Wire.ReadU32(p, 0, message.Type);
                    int poolIndex = (int)Wire.ReadU32(p, 4, message.Type);
                    uint block = Wire.ReadU32(p, 8, message.Type);
                    uint ntoast = Wire.ReadU32(p, 12, message.Type);
                    var target = Find(scanId, message.Type);
                    var pool = region.Pages;
                    if (pool.State(poolIndex) != PageState.Ready || pool.Owner(poolIndex) < 0)
                        throw new IpcException($"PAGE names pool entry {poolIndex}, which is {pool.State(poolIndex)}");
                    var toast = DetoastedValues.Parse(p[16..], ntoast);
                    uint visible = pool.VisibleCount(poolIndex);
                    if (target == reader)
                        return new ServedPage(poolIndex, null, block, visible, toast);
                    byte[] copy = new byte[ShmemLayout.PageBytes + ShmemLayout.VisibilityBytes];
                    pool.Page(poolIndex).CopyTo(copy);
                    pool.Visibility(poolIndex).CopyTo(copy.AsSpan(ShmemLayout.PageBytes));
                    pool.Release(poolIndex);
                    target.Enqueue(new ServedPage(-1, copy, block, visible, toast));
                    return null;
                }
            case MessageType.PageRun:
                ReceiveRun(p, reader);
                return null;
            case MessageType.ScanEnd:
                Find(Wire.ReadU32(p, 0, message.Type), message.Type).MarkEnded();
                return null;
            default:
                throw new IpcException($"unexpected {message.Type} message while executing");
        }
    }

    /// <summary>
    /// PAGE_RUN: u32 scan_id, u32 count, then count entries (u32 pool entry, u32 block, u32 ntoast,
    /// u32 toast_bytes, toast entries). Every page goes to its scan's queue: left in the pool when
    /// that scan is being read, copied out and freed otherwise.
    /// </summary>
    private void ReceiveRun(ReadOnlySpan<byte> p, PageBatchSource reader)
    {
        const MessageType type = MessageType.PageRun;
        uint scanId = Wire.ReadU32(p, 0, type);
        uint count = Wire.ReadU32(p, 4, type);
        var target = Find(scanId, type);
        var pool = region.Pages;
        bool copyOut = target != reader;
        int at = 8;
        for (uint i = 0; i < count; i++)
        {
            int poolIndex = (int)Wire.ReadU32(p, at, type);
            uint block = Wire.ReadU32(p, at + 4, type);
            uint ntoast = Wire.ReadU32(p, at + 8, type);
            uint toastBytes = Wire.ReadU32(p, at + 12, type);
            at += 16;
            if ((ulong)at + toastBytes > (ulong)p.Length)
                throw new IpcException($"PAGE_RUN entry {i} of {count} (block {block}) claims {toastBytes} bytes of TOAST values, {p.Length - at} remain");
            if (pool.State(poolIndex) != PageState.Ready || pool.Owner(poolIndex) < 0)
                throw new IpcException($"PAGE_RUN entry {i} of {count} names pool entry {poolIndex}, which is {pool.State(poolIndex)}");
            var toast = DetoastedValues.Parse(p.Slice(at, (int)toastBytes), ntoast);
            at += (int)toastBytes;
            uint visible = pool.VisibleCount(poolIndex);
            bool last = i == count - 1;
            if (!copyOut)
            {
                target.Enqueue(new ServedPage(poolIndex, null, block, visible, toast, WakeOnRelease: last));
                continue;
            }
            target.Enqueue(CopyOut(new ServedPage(poolIndex, null, block, visible, toast), wake: last));
        }
        if (at != p.Length)
            throw new IpcException($"PAGE_RUN of {count} pages has {p.Length - at} bytes after its last entry");
    }

    /// <summary>A copy of a pool page (page, then visibility bitmap); the pool entry is freed.</summary>
    internal ServedPage CopyOut(ServedPage page, bool wake)
    {
        var pool = region.Pages;
        byte[] copy = new byte[ShmemLayout.PageBytes + ShmemLayout.VisibilityBytes];
        pool.Page(page.PoolIndex).CopyTo(copy);
        pool.Visibility(page.PoolIndex).CopyTo(copy.AsSpan(ShmemLayout.PageBytes));
        pool.Release(page.PoolIndex, wake);
        return page with { PoolIndex = -1, Copy = copy, WakeOnRelease = true };
    }

    private PageBatchSource Find(uint scanId, MessageType type)
    {
        lock (scansGate)
            return scans.TryGetValue(scanId, out var s) ? s : throw new IpcException($"{type} for unknown scan {scanId}");
    }
}
