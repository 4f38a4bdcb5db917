using PgFusion.Ipc;

namespace PgFusion.Worker;

/// <summary>
/// The long-lived thread of one session slot (docs/ipc.md 4). It sleeps on the slot's own
/// <c>worker_wake</c> word, so the backend's first send after a claim wakes it directly; it
/// serves each claim (<see cref="Session"/>) on itself, and when the backend releases the slot it
/// reclaims it (pages, rings, FREE) itself. No thread is created per claim and the dispatcher is
/// not on a request's path: it starts a slot's thread the first time the slot is claimed, and
/// cancels a running request whose slot was released, whose backend died, or that belongs to an
/// earlier worker (<see cref="Cancel"/>). Nothing escapes the thread: an unexpected exception is
/// logged and the loop goes on.
/// </summary>
internal sealed class SlotServer
{
    /// <summary>A receive buffer (or staging buffer) larger than this is dropped when a claim ends.</summary>
    private const int KeepBufferBytes = 4 << 20;

    private readonly SharedRegion region;
    private readonly SessionSlot slot;
    private readonly PlanCache cache;
    private readonly CancellationToken stopping;
    private readonly MessageChannel channel;
    private uint generation; // the claim being served (read by the channel's liveness test)
    private long staleGeneration = -1; // a claim the dispatcher found stale (set by it, read here)
    private volatile Session? current;

    public SlotServer(SharedRegion region, SessionSlot slot, PlanCache cache, CancellationToken stopping)
    {
        this.region = region;
        this.slot = slot;
        this.cache = cache;
        this.stopping = stopping;
        var s = slot;
        channel = slot.WorkerChannel(() => s.State == SlotState.Active && s.Generation == Volatile.Read(ref generation) && !s.CancelRequested);
    }

    public void Start()
    {
        new Thread(Run) { IsBackground = true, Name = $"pg_fusion slot {slot.Index}" }.Start();
    }

    /// <summary>
    /// The dispatcher: stop serving claim <paramref name="claim"/> (the slot was released, its
    /// backend exited, or it belongs to an earlier worker); a stale claim is reclaimed once its
    /// request has ended.
    /// </summary>
    public void Cancel(uint claim, bool stale)
    {
        if (stale)
            Interlocked.Exchange(ref staleGeneration, claim);
        if (current is { } session && session.Generation == claim)
            session.Cancel();
        slot.WorkerWake.Wake();
    }

    /// <summary>Wakes the thread (worker stopping).</summary>
    public void Wake() => slot.WorkerWake.Wake();

    private void Run()
    {
        bool served = false;
        uint servedGeneration = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                uint seen = slot.WorkerWake.Sequence;
                switch (slot.State)
                {
                    case SlotState.Active:
                        uint claim = slot.Generation;
                        if (slot.WorkerEpoch != region.WorkerEpoch || Interlocked.Read(ref staleGeneration) == claim)
                        {
                            slot.Reclaim();
                            continue;
                        }
                        if (!served || claim != servedGeneration)
                        {
                            served = true;
                            servedGeneration = claim;
                            Serve(claim);
                            continue;
                        }
                        break; // this claim's session ended (a broken frame); wait for the release
                    case SlotState.Released:
                        slot.Reclaim();
                        continue;
                    default:
                        break;
                }
                slot.WorkerWake.Wait(seen, 1000);
            }
            catch (Exception e)
            {
                WorkerLog.Info($"slot {slot.Index}: {e}");
                Thread.Sleep(100);
            }
        }
    }

    private void Serve(uint claim)
    {
        Volatile.Write(ref generation, claim);
        channel.Reset(KeepBufferBytes);
        using var session = new Session(region, slot, claim, channel, cache, stopping);
        current = session;
        try
        {
            session.Run();
        }
        finally
        {
            current = null;
        }
    }
}
