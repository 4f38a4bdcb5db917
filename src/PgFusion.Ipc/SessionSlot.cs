namespace PgFusion.Ipc;

/// <summary>One session slot: state words, futex words and the two rings (docs/ipc.md).</summary>
public readonly unsafe struct SessionSlot
{
    private readonly SharedRegion region;
    private readonly byte* address;

    internal SessionSlot(SharedRegion region, int index, byte* address)
    {
        this.region = region;
        Index = index;
        this.address = address;
    }

    public int Index { get; }

    private uint* Word(int offset) => (uint*)(address + offset);

    public SlotState State => (SlotState)Volatile.Read(ref *Word(ShmemLayout.SState));

    public uint Generation => Volatile.Read(ref *Word(ShmemLayout.SGeneration));

    public int BackendPid => (int)Volatile.Read(ref *Word(ShmemLayout.SBackendPid));

    public uint WorkerEpoch => Volatile.Read(ref *Word(ShmemLayout.SWorkerEpoch));

    public bool CancelRequested => Volatile.Read(ref *Word(ShmemLayout.SCancelRequested)) != 0;

    public int PagesInUse => (int)Volatile.Read(ref *Word(ShmemLayout.SPagesInUse));

    /// <summary>The backend's futex word (the worker wakes it).</summary>
    public WakeWord BackendWake => new(Word(ShmemLayout.SBackendWake), Word(ShmemLayout.SBackendSleeping));

    /// <summary>The session thread's futex word (the backend wakes it).</summary>
    public WakeWord WorkerWake => new(Word(ShmemLayout.SWorkerWake), Word(ShmemLayout.SWorkerSleeping));

    public ByteRing ToWorker => new((ulong*)(address + ShmemLayout.SToWorkerHead), (ulong*)(address + ShmemLayout.SToWorkerTail), address + ShmemLayout.SlotHeaderSize, region.RingCapacity);

    public ByteRing ToBackend => new((ulong*)(address + ShmemLayout.SToBackendHead), (ulong*)(address + ShmemLayout.SToBackendTail), address + ShmemLayout.SlotHeaderSize + region.RingCapacity, region.RingCapacity);

    /// <summary>The worker's end of the session.</summary>
    public MessageChannel WorkerChannel(Func<bool>? backendAlive = null) =>
        new(ToBackend, ToWorker, WorkerWake, BackendWake, region.MaxMessageBytes, backendAlive);

    /// <summary>The backend's end (tests and tools; the real backend is C).</summary>
    public MessageChannel BackendChannel(Func<bool>? workerAlive = null) =>
        new(ToWorker, ToBackend, BackendWake, WorkerWake, region.MaxMessageBytes, workerAlive);

    /// <summary>What a backend does to claim a FREE slot (tests; the real backend is C).</summary>
    public bool TryClaim(int pid, uint epoch)
    {
        if (Interlocked.CompareExchange(ref *Word(ShmemLayout.SState), (uint)SlotState.Claiming, (uint)SlotState.Free) != (uint)SlotState.Free)
            return false;
        Interlocked.Increment(ref *Word(ShmemLayout.SGeneration));
        Volatile.Write(ref *Word(ShmemLayout.SBackendPid), (uint)pid);
        Volatile.Write(ref *Word(ShmemLayout.SWorkerEpoch), epoch);
        Volatile.Write(ref *Word(ShmemLayout.SCancelRequested), 0);
        Interlocked.Exchange(ref *Word(ShmemLayout.SState), (uint)SlotState.Active);
        return true;
    }

    /// <summary>What a backend does when it is done with the slot (or gone).</summary>
    public void Release()
    {
        Volatile.Write(ref *Word(ShmemLayout.SCancelRequested), 1);
        Interlocked.Exchange(ref *Word(ShmemLayout.SState), (uint)SlotState.Released);
        WorkerWake.Wake();
    }

    /// <summary>
    /// The worker's reclaim of a RELEASED (or abandoned) slot once its session thread ended: frees
    /// the pool pages it still owns, empties both rings, then FREE.
    /// </summary>
    public int Reclaim()
    {
        int freed = region.Pages.ReleaseAllOwnedBy(Index);
        ToWorker.Reset();
        ToBackend.Reset();
        Volatile.Write(ref *Word(ShmemLayout.SPagesInUse), 0);
        Volatile.Write(ref *Word(ShmemLayout.SCancelRequested), 0);
        Volatile.Write(ref *Word(ShmemLayout.SBackendPid), 0);
        Interlocked.Exchange(ref *Word(ShmemLayout.SState), (uint)SlotState.Free);
        return freed;
    }

    internal void PageReleased(bool wake)
    {
        Interlocked.Decrement(ref *Word(ShmemLayout.SPagesInUse));
        if (wake)
            BackendWake.Wake();
    }

    /// <summary>A shared entry went back to the backend (RETURNED): its quota stays until the backend drops the pin.</summary>
    internal void PageReturned(bool wake)
    {
        if (wake)
            BackendWake.Wake();
    }

    internal void PageAllocated() => Interlocked.Increment(ref *Word(ShmemLayout.SPagesInUse));
}
