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
internal sealed class SessionScanProvider : IScanProvider, IIndexProbeProvider
{
    private readonly MessageChannel channel;
    private readonly SharedRegion region;
    private readonly CancellationToken cancellation;
    private readonly Dictionary<uint, PageBatchSource> scans = [];
    private uint nextScanId;

    public SessionScanProvider(MessageChannel channel, SharedRegion region, CancellationToken cancellation)
    {
        this.channel = channel;
        this.region = region;
        this.cancellation = cancellation;
        InitialCredit = (uint)Math.Max(1, region.SessionPageQuota);
    }

    public uint InitialCredit { get; }

    public SharedRegion Region => region;

    public CancellationToken Cancellation => cancellation;

    public IBatchSource OpenScan(PhysicalScan scan) => Open(scan.Relation.RelId, scan.AttNums, scan);

    public PageBatchSource Open(uint relId, IReadOnlyList<int> attNums, PhysicalScan? scan)
    {
        uint id = nextScanId++;
        var source = new PageBatchSource(this, id, scan);
        scans[id] = source;
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
    /// PROBE: the backend looks <paramref name="keys"/> up in the index and serves the matching
    /// visible tuples packed into pages, as PAGE messages of this scan id, then SCAN_END.
    /// </summary>
    public IBatchSource OpenIndexProbe(PhysicalScan scan, uint indexOid, long[] keys)
    {
        uint id = nextScanId++;
        var source = new PageBatchSource(this, id, scan);
        scans[id] = source;
        var w = new ArrayBufferWriter<byte>(24 + 4 * scan.AttNums.Count + 8 * keys.Length);
        Wire.U32(w, id);
        Wire.U32(w, scan.Relation.RelId);
        Wire.U32(w, indexOid);
        Wire.U32(w, InitialCredit);
        Wire.U32(w, (uint)scan.AttNums.Count);
        Wire.U32(w, (uint)keys.Length);
        foreach (int a in scan.AttNums)
            Wire.U32(w, (uint)a);
        foreach (long k in keys)
            Wire.U64(w, unchecked((ulong)k));
        channel.Send(MessageType.Probe, w.WrittenSpan, cancellation);
        return source;
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
    /// Receives one message (waiting) and routes it. Returns a page for <paramref name="reader"/>
    /// left in the pool, or null when the message went elsewhere (queued copy, scan end).
    /// </summary>
    internal ServedPage? Pump(PageBatchSource reader, bool wait, out bool received)
    {
        Message message;
        if (wait)
            message = channel.Receive(cancellation);
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
            case MessageType.ScanEnd:
                Find(Wire.ReadU32(p, 0, message.Type), message.Type).MarkEnded();
                return null;
            default:
                throw new IpcException($"unexpected {message.Type} message while executing");
        }
    }

    private PageBatchSource Find(uint scanId, MessageType type) =>
        scans.TryGetValue(scanId, out var s) ? s : throw new IpcException($"{type} for unknown scan {scanId}");
}
