using System.Text;

namespace PgFusion.Ipc;

/// <summary>
/// The pg_fusion segment as the worker sees it (or a test's ordinary memory laid out the same way).
/// <see cref="Attach"/> checks magic, layout version and that every offset fits the size.
/// </summary>
public sealed unsafe class SharedRegion
{
    private readonly byte* baseAddress;

    private SharedRegion(byte* baseAddress, long size)
    {
        this.baseAddress = baseAddress;
        Size = size;
    }

    public long Size { get; }

    public byte* BaseAddress => baseAddress;

    public static SharedRegion Attach(byte* address, long size)
    {
        if (address == null)
            throw new IpcException("shared memory address is null");
        if (size < ShmemLayout.HeaderSize)
            throw new IpcException($"shared memory of {size} bytes is smaller than the {ShmemLayout.HeaderSize}-byte header");
        var r = new SharedRegion(address, size);
        if (r.U32(ShmemLayout.HMagic) != ShmemLayout.Magic)
            throw new IpcException($"bad magic 0x{r.U32(ShmemLayout.HMagic):x8} (expected 0x{ShmemLayout.Magic:x8}): not a pg_fusion segment");
        if (r.U32(ShmemLayout.HLayoutVersion) != ShmemLayout.LayoutVersion)
            throw new IpcException($"layout version {r.U32(ShmemLayout.HLayoutVersion)} differs from the worker's {ShmemLayout.LayoutVersion}: pg_fusion.so and the worker come from different builds");
        if ((long)r.U64(ShmemLayout.HTotalSize) != size)
            throw new IpcException($"header says {r.U64(ShmemLayout.HTotalSize)} bytes, segment has {size}");
        uint cap = r.RingCapacity;
        if (cap == 0 || (cap & (cap - 1)) != 0)
            throw new IpcException($"ring capacity {cap} is not a power of two");
        if (r.SlotStride != (ulong)ShmemLayout.SlotHeaderSize + 2UL * cap)
            throw new IpcException($"slot stride {r.SlotStride} does not match ring capacity {cap}");
        if (r.U64(ShmemLayout.HSlotsOffset) + (ulong)r.SlotCount * r.SlotStride > (ulong)size ||
            r.U64(ShmemLayout.HPageStatesOffset) + (ulong)r.PageCount * ShmemLayout.PageStateSize > (ulong)size ||
            r.U64(ShmemLayout.HPagesOffset) + (ulong)r.PageCount * (ulong)ShmemLayout.PageStride > (ulong)size)
            throw new IpcException("slot or page-pool area extends past the end of the segment");
        if (r.U64(ShmemLayout.HPageStride) != ShmemLayout.PageStride)
            throw new IpcException($"page stride {r.U64(ShmemLayout.HPageStride)} differs from {ShmemLayout.PageStride}");
        return r;
    }

    /// <summary>Lays out a segment in <paramref name="address"/> as shmem.c does (tests, tools).</summary>
    public static long Format(byte* address, long capacityBytes, int slots, uint ringCapacity, int pages, int quota, uint maxMessage = 256 * 1024 * 1024)
    {
        long need = RequiredSize(slots, ringCapacity, pages);
        if (need > capacityBytes)
            throw new IpcException($"need {need} bytes, have {capacityBytes}");
        new Span<byte>(address, (int)Math.Min(need, int.MaxValue)).Clear();
        var h = address;
        *(uint*)(h + ShmemLayout.HMagic) = ShmemLayout.Magic;
        *(uint*)(h + ShmemLayout.HLayoutVersion) = ShmemLayout.LayoutVersion;
        *(ulong*)(h + ShmemLayout.HTotalSize) = (ulong)need;
        *(uint*)(h + ShmemLayout.HSlotCount) = (uint)slots;
        *(uint*)(h + ShmemLayout.HRingCapacity) = ringCapacity;
        *(uint*)(h + ShmemLayout.HPageCount) = (uint)pages;
        *(uint*)(h + ShmemLayout.HSessionPageQuota) = (uint)Math.Min(quota, pages);
        *(uint*)(h + ShmemLayout.HMaxMessageBytes) = maxMessage;
        long offset = ShmemLayout.HeaderSize;
        *(ulong*)(h + ShmemLayout.HSlotsOffset) = (ulong)offset;
        *(ulong*)(h + ShmemLayout.HSlotStride) = ShmemLayout.SlotHeaderSize + 2UL * ringCapacity;
        offset += slots * (ShmemLayout.SlotHeaderSize + 2L * ringCapacity);
        offset = (offset + 63) & ~63L;
        *(ulong*)(h + ShmemLayout.HPageStatesOffset) = (ulong)offset;
        offset += (long)pages * ShmemLayout.PageStateSize;
        offset = (offset + 4095) & ~4095L;
        *(ulong*)(h + ShmemLayout.HPagesOffset) = (ulong)offset;
        *(ulong*)(h + ShmemLayout.HPageStride) = ShmemLayout.PageStride;
        return need;
    }

    public static long RequiredSize(int slots, uint ringCapacity, int pages)
    {
        long offset = ShmemLayout.HeaderSize + slots * (ShmemLayout.SlotHeaderSize + 2L * ringCapacity);
        offset = (offset + 63) & ~63L;
        offset += (long)pages * ShmemLayout.PageStateSize;
        offset = (offset + 4095) & ~4095L;
        return offset + (long)pages * ShmemLayout.PageStride;
    }

    internal uint U32(long offset) => Volatile.Read(ref *(uint*)(baseAddress + offset));

    internal ulong U64(long offset) => Volatile.Read(ref *(ulong*)(baseAddress + offset));

    internal uint* U32Ptr(long offset) => (uint*)(baseAddress + offset);

    public int SlotCount => (int)U32(ShmemLayout.HSlotCount);

    public uint RingCapacity => U32(ShmemLayout.HRingCapacity);

    public int PageCount => (int)U32(ShmemLayout.HPageCount);

    public int SessionPageQuota => (int)U32(ShmemLayout.HSessionPageQuota);

    public uint MaxMessageBytes => U32(ShmemLayout.HMaxMessageBytes);

    public ulong SlotStride => U64(ShmemLayout.HSlotStride);

    public uint WorkerEpoch => U32(ShmemLayout.HWorkerEpoch);

    public WorkerState WorkerState
    {
        get => (WorkerState)U32(ShmemLayout.HWorkerState);
        set => Interlocked.Exchange(ref *U32Ptr(ShmemLayout.HWorkerState), (uint)value);
    }

    public WakeWord DispatcherWake => new(U32Ptr(ShmemLayout.HDispatcherWake), U32Ptr(ShmemLayout.HDispatcherSleeping));

    public SessionSlot Slot(int index)
    {
        if ((uint)index >= (uint)SlotCount)
            throw new IpcException($"slot {index} out of range 0..{SlotCount - 1}");
        return new SessionSlot(this, index, baseAddress + (long)U64(ShmemLayout.HSlotsOffset) + (long)SlotStride * index);
    }

    public PagePool Pages => new(this);

    internal byte* PageStateAddress(int index) => baseAddress + (long)U64(ShmemLayout.HPageStatesOffset) + (long)index * ShmemLayout.PageStateSize;

    internal byte* PageAddress(int index) => baseAddress + (long)U64(ShmemLayout.HPagesOffset) + (long)index * ShmemLayout.PageStride;

    /// <summary>
    /// Shared transfer: the 8 KB of PostgreSQL's buffer <paramref name="buffer"/> (1-based, a
    /// Buffer number) in shared buffers, whose address, count and page size the worker's C side
    /// wrote into the header. A buffer outside 1..NBuffers (or no shared buffers published) is
    /// refused: the address is then never formed, so the worker reads only inside the pool.
    /// </summary>
    internal byte* SharedBufferAddress(int pageIndex, uint buffer)
    {
        ulong blocks = U64(ShmemLayout.HBufferBlocks);
        uint nbuffers = U32(ShmemLayout.HNBuffers);
        uint blockSize = U32(ShmemLayout.HBlockSize);
        if (blocks == 0 || blockSize != ShmemLayout.PageBytes)
            throw new IpcException($"page {pageIndex} names shared buffer {buffer}, but no shared buffers of {ShmemLayout.PageBytes} bytes are published (block size {blockSize})");
        if (buffer == 0 || buffer > nbuffers)
            throw new IpcException($"page {pageIndex} names shared buffer {buffer}, outside 1..{nbuffers}");
        return (byte*)blocks + (long)(buffer - 1) * ShmemLayout.PageBytes;
    }

    /// <summary>Tests: publishes a stand-in for shared buffers, as worker.c does with BufferBlocks.</summary>
    public void SetSharedBuffers(byte* blocks, uint nbuffers)
    {
        *(ulong*)(baseAddress + ShmemLayout.HBufferBlocks) = (ulong)blocks;
        *(uint*)(baseAddress + ShmemLayout.HNBuffers) = nbuffers;
        *(uint*)(baseAddress + ShmemLayout.HBlockSize) = ShmemLayout.PageBytes;
    }

    /// <summary>Writes a NUL-terminated status line into the header (pg_fusion_worker_status().message).</summary>
    public void SetStatusMessage(string message)
    {
        var dest = new Span<byte>(baseAddress + ShmemLayout.HStatusMessage, ShmemLayout.StatusMessageBytes);
        dest.Clear();
        int n = Encoding.UTF8.GetBytes(message.AsSpan(0, Math.Min(message.Length, ShmemLayout.StatusMessageBytes / 4)), dest[..^1]);
        dest[n] = 0;
    }
}
