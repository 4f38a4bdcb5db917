using System.Buffers.Binary;

namespace PgFusion.Ipc;

/// <summary>
/// The shared page pool: per-entry atomic state + owner slot, and 64 bytes of metadata (block,
/// scan, visibility bitmap) before each 8 KB page. Backends allocate and fill; the worker reads
/// and frees, which returns quota to the owning session and wakes its backend.
/// </summary>
public readonly unsafe struct PagePool
{
    private readonly SharedRegion region;

    internal PagePool(SharedRegion region) => this.region = region;

    public int Count => region.PageCount;

    public PageState State(int index) => (PageState)Volatile.Read(ref *(uint*)region.PageStateAddress(Check(index)));

    public int Owner(int index) => (int)Volatile.Read(ref *(uint*)(region.PageStateAddress(Check(index)) + 4));

    /// <summary>
    /// The entry's 8 KB page: after its meta (copy), or in shared buffers when the meta names a
    /// pinned buffer (shared transfer; the buffer number is read once, then bounds-checked).
    /// </summary>
    public ReadOnlySpan<byte> Page(int index)
    {
        byte* meta = region.PageAddress(Check(index));
        uint buffer = Volatile.Read(ref *(uint*)(meta + ShmemLayout.PMBuffer));
        return buffer == 0
            ? new(meta + ShmemLayout.PageMetaSize, ShmemLayout.PageBytes)
            : new(region.SharedBufferAddress(index, buffer), ShmemLayout.PageBytes);
    }

    /// <summary>The shared buffer the entry's page lies in (1..NBuffers), or 0 when it was copied.</summary>
    public uint SharedBuffer(int index) => Volatile.Read(ref *(uint*)(region.PageAddress(Check(index)) + ShmemLayout.PMBuffer));

    public ReadOnlySpan<byte> Visibility(int index) => new(region.PageAddress(Check(index)) + ShmemLayout.PMVisibility, ShmemLayout.VisibilityBytes);

    public uint Block(int index) => BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(region.PageAddress(Check(index)) + ShmemLayout.PMBlock, 4));

    public uint VisibleCount(int index) => BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(region.PageAddress(Check(index)) + ShmemLayout.PMVisible, 4));

    /// <summary>Backend side (tests): FREE -> FILLING for <paramref name="slot"/>, within its quota; -1 when none.</summary>
    public int TryAllocate(SessionSlot slot)
    {
        if (slot.PagesInUse >= region.SessionPageQuota)
            return -1;
        for (int i = 0; i < Count; i++)
        {
            uint* state = (uint*)region.PageStateAddress(i);
            if (Interlocked.CompareExchange(ref *state, (uint)PageState.Filling, (uint)PageState.Free) == (uint)PageState.Free)
            {
                Volatile.Write(ref *(state + 1), (uint)slot.Index);
                slot.PageAllocated();
                return i;
            }
        }
        return -1;
    }

    /// <summary>Backend side (tests): publishes a page left in shared buffer <paramref name="buffer"/> (FILLING -> READY).</summary>
    public void PublishShared(int index, uint block, uint scanId, uint buffer, ReadOnlySpan<byte> visibility)
    {
        byte* meta = region.PageAddress(Check(index));
        var m = new Span<byte>(meta, ShmemLayout.PageMetaSize);
        m.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(m, block);
        BinaryPrimitives.WriteUInt32LittleEndian(m[ShmemLayout.PMScanId..], scanId);
        BinaryPrimitives.WriteUInt32LittleEndian(m[ShmemLayout.PMBuffer..], buffer);
        visibility.CopyTo(m[ShmemLayout.PMVisibility..]);
        Interlocked.Exchange(ref *(uint*)region.PageStateAddress(index), (uint)PageState.Ready);
    }

    /// <summary>Backend side (tests): fills metadata + page and publishes (FILLING -> READY).</summary>
    public void Publish(int index, uint block, uint scanId, ReadOnlySpan<byte> page, ReadOnlySpan<byte> visibility)
    {
        byte* meta = region.PageAddress(Check(index));
        var m = new Span<byte>(meta, ShmemLayout.PageMetaSize);
        m.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(m, block);
        BinaryPrimitives.WriteUInt32LittleEndian(m[ShmemLayout.PMScanId..], scanId);
        visibility.CopyTo(m[ShmemLayout.PMVisibility..]);
        page.CopyTo(new Span<byte>(meta + ShmemLayout.PageMetaSize, ShmemLayout.PageBytes));
        Interlocked.Exchange(ref *(uint*)region.PageStateAddress(index), (uint)PageState.Ready);
    }

    /// <summary>Worker side: the page was read; READY -> FREE, quota back to its session, whose backend is woken.</summary>
    public void Release(int index) => Release(index, wake: true);

    /// <summary>
    /// Worker side: READY -> FREE, quota back to its session; wakes the backend only when
    /// <paramref name="wake"/> (the worker frees a PAGE_RUN's pages and wakes once, after the last).
    /// A shared entry (its page pinned in shared buffers) goes READY -> RETURNED and keeps its quota:
    /// the backend drops the pin, then frees it (so pins in flight stay within the quota).
    /// </summary>
    public void Release(int index, bool wake)
    {
        uint* state = (uint*)region.PageStateAddress(Check(index));
        int owner = (int)Volatile.Read(ref *(state + 1));
        // read before the CAS: once FREE the entry may be refilled by anyone
        bool shared = Volatile.Read(ref *(uint*)(region.PageAddress(index) + ShmemLayout.PMBuffer)) != 0;
        uint to = shared ? (uint)PageState.Returned : (uint)PageState.Free;
        if (Interlocked.CompareExchange(ref *state, to, (uint)PageState.Ready) != (uint)PageState.Ready)
            throw new IpcException($"page {index} released while not READY");
        if (shared)
            region.Slot(owner).PageReturned(wake);
        else
            region.Slot(owner).PageReleased(wake);
    }

    /// <summary>Frees every non-FREE entry owned by a slot being reclaimed; returns how many.</summary>
    public int ReleaseAllOwnedBy(int slotIndex)
    {
        int n = 0;
        for (int i = 0; i < Count; i++)
        {
            uint* state = (uint*)region.PageStateAddress(i);
            if (Volatile.Read(ref *state) != (uint)PageState.Free && Volatile.Read(ref *(state + 1)) == (uint)slotIndex)
            {
                Interlocked.Exchange(ref *state, (uint)PageState.Free);
                n++;
            }
        }
        return n;
    }

    /// <summary>Entries not FREE (status, leak checks in tests).</summary>
    public int InUse()
    {
        int n = 0;
        for (int i = 0; i < Count; i++)
            if (State(i) != PageState.Free)
                n++;
        return n;
    }

    private int Check(int index) => (uint)index < (uint)Count ? index : throw new IpcException($"page index {index} out of range 0..{Count - 1}");
}
