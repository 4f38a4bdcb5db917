using Xunit;

namespace PgFusion.Ipc.Tests;

public sealed unsafe class SharedRegionTests : IDisposable
{
    private readonly TestRegion shm = new(slots: 3, ringCapacity: 8192, pages: 5, quota: 2);

    public void Dispose() => shm.Dispose();

    [Fact]
    public void Format_lays_out_slots_then_aligned_page_states_then_page_aligned_pages()
    {
        var b = shm.Base;
        ulong slots = *(ulong*)(b + ShmemLayout.HSlotsOffset);
        ulong stride = *(ulong*)(b + ShmemLayout.HSlotStride);
        ulong states = *(ulong*)(b + ShmemLayout.HPageStatesOffset);
        ulong pages = *(ulong*)(b + ShmemLayout.HPagesOffset);
        Assert.Equal((ulong)ShmemLayout.HeaderSize, slots);
        Assert.Equal((ulong)ShmemLayout.SlotHeaderSize + 2 * 8192UL, stride);
        Assert.Equal(0UL, states % 64);
        Assert.True(states >= slots + 3 * stride);
        Assert.Equal(0UL, pages % 4096);
        Assert.True(pages >= states + 5UL * ShmemLayout.PageStateSize);
        Assert.Equal((ulong)shm.Size, pages + 5UL * ShmemLayout.PageStride);
        Assert.Equal(2, shm.Region.SessionPageQuota);
        Assert.Equal(3, shm.Region.SlotCount);
        Assert.Equal(8192u, shm.Region.RingCapacity);
    }

    [Fact]
    public void Ring_data_follows_the_slot_header_and_to_backend_follows_to_worker()
    {
        var slot = shm.Region.Slot(2);
        slot.ToWorker.Write([0xAA]);
        slot.ToBackend.Write([0xBB]);
        long at = ShmemLayout.HeaderSize + 2L * (ShmemLayout.SlotHeaderSize + 2 * 8192);
        Assert.Equal(0xAA, shm.Base[at + ShmemLayout.SlotHeaderSize]);
        Assert.Equal(0xBB, shm.Base[at + ShmemLayout.SlotHeaderSize + 8192]);
        Assert.Equal(1UL, *(ulong*)(shm.Base + at + ShmemLayout.SToWorkerHead));
        Assert.Equal(1UL, *(ulong*)(shm.Base + at + ShmemLayout.SToBackendHead));
    }

    [Fact]
    public void Attach_rejects_a_foreign_segment_with_the_reason()
    {
        *(uint*)(shm.Base + ShmemLayout.HMagic) = 0x12345678;
        var e = Assert.Throws<IpcException>(() => SharedRegion.Attach(shm.Base, shm.Size));
        Assert.Contains("bad magic 0x12345678", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Attach_rejects_another_layout_version()
    {
        *(uint*)(shm.Base + ShmemLayout.HLayoutVersion) = ShmemLayout.LayoutVersion + 1;
        var e = Assert.Throws<IpcException>(() => SharedRegion.Attach(shm.Base, shm.Size));
        Assert.Contains($"layout version {ShmemLayout.LayoutVersion + 1}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Attach_rejects_sizes_and_offsets_that_do_not_fit()
    {
        Assert.Contains("header says", Assert.Throws<IpcException>(() => SharedRegion.Attach(shm.Base, shm.Size - 1)).Message, StringComparison.Ordinal);
        Assert.Contains("smaller than", Assert.Throws<IpcException>(() => SharedRegion.Attach(shm.Base, 100)).Message, StringComparison.Ordinal);
        Assert.Throws<IpcException>(() => SharedRegion.Attach(null, shm.Size));

        *(uint*)(shm.Base + ShmemLayout.HRingCapacity) = 5000;
        Assert.Contains("power of two", Assert.Throws<IpcException>(() => SharedRegion.Attach(shm.Base, shm.Size)).Message, StringComparison.Ordinal);
        *(uint*)(shm.Base + ShmemLayout.HRingCapacity) = 8192;

        *(uint*)(shm.Base + ShmemLayout.HSlotCount) = 1000;
        Assert.Contains("past the end", Assert.Throws<IpcException>(() => SharedRegion.Attach(shm.Base, shm.Size)).Message, StringComparison.Ordinal);
        *(uint*)(shm.Base + ShmemLayout.HSlotCount) = 3;

        *(ulong*)(shm.Base + ShmemLayout.HPageStride) = 8192;
        Assert.Contains("page stride", Assert.Throws<IpcException>(() => SharedRegion.Attach(shm.Base, shm.Size)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_message_is_NUL_terminated_and_bounded()
    {
        shm.Region.SetStatusMessage(new string('x', 1000));
        var bytes = new ReadOnlySpan<byte>(shm.Base + ShmemLayout.HStatusMessage, ShmemLayout.StatusMessageBytes);
        int nul = bytes.IndexOf((byte)0);
        Assert.InRange(nul, 1, ShmemLayout.StatusMessageBytes - 1);
        Assert.Equal(0, shm.Base[ShmemLayout.HStatusMessage + nul]);
    }

    [Fact]
    public void Worker_state_is_shared_through_the_header()
    {
        shm.Region.WorkerState = WorkerState.Ready;
        Assert.Equal((uint)WorkerState.Ready, *(uint*)(shm.Base + ShmemLayout.HWorkerState));
    }
}
