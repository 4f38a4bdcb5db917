using Xunit;

namespace PgFusion.Ipc.Tests;

public sealed class PagePoolTests : IDisposable
{
    private const int Pages = 6;
    private const int Quota = 4;
    private readonly TestRegion shm = new(slots: 3, ringCapacity: 4096, pages: Pages, quota: Quota);

    public void Dispose() => shm.Dispose();

    private SessionSlot Claimed(int index)
    {
        var slot = shm.Region.Slot(index);
        Assert.True(slot.TryClaim(1000 + index, shm.Region.WorkerEpoch));
        return slot;
    }

    [Fact]
    public void Allocation_stops_at_the_session_quota_and_at_the_pool_size()
    {
        var pool = shm.Region.Pages;
        var a = Claimed(0);
        var b = Claimed(1);
        var mine = Enumerable.Range(0, Quota).Select(_ => pool.TryAllocate(a)).ToList();
        Assert.DoesNotContain(-1, mine);
        Assert.Equal(Quota, mine.Distinct().Count());
        Assert.Equal(Quota, a.PagesInUse);
        Assert.Equal(-1, pool.TryAllocate(a)); // quota, although the pool has room
        Assert.All(mine, i => Assert.Equal(PageState.Filling, pool.State(i)));
        Assert.All(mine, i => Assert.Equal(0, pool.Owner(i)));

        Assert.NotEqual(-1, pool.TryAllocate(b));
        Assert.NotEqual(-1, pool.TryAllocate(b));
        Assert.Equal(-1, pool.TryAllocate(b)); // the pool is exhausted
        Assert.Equal(Pages, pool.InUse());
    }

    [Fact]
    public void Publish_then_release_moves_FILLING_READY_FREE_and_returns_quota()
    {
        var pool = shm.Region.Pages;
        var slot = Claimed(2);
        int page = pool.TryAllocate(slot);
        var bytes = new byte[ShmemLayout.PageBytes];
        new Random(5).NextBytes(bytes);
        var visibility = new byte[ShmemLayout.VisibilityBytes];
        visibility[0] = 0b101;
        pool.Publish(page, block: 42, scanId: 7, bytes, visibility);

        Assert.Equal(PageState.Ready, pool.State(page));
        Assert.Equal(42u, pool.Block(page));
        Assert.True(bytes.AsSpan().SequenceEqual(pool.Page(page)));
        Assert.True(visibility.AsSpan().SequenceEqual(pool.Visibility(page)));
        Assert.Equal(1, slot.PagesInUse);

        uint seen = slot.BackendWake.Sequence;
        pool.Release(page);
        Assert.Equal(PageState.Free, pool.State(page));
        Assert.Equal(0, slot.PagesInUse);
        Assert.NotEqual(seen, slot.BackendWake.Sequence); // the backend waiting for quota is woken
        Assert.Equal(0, pool.InUse());
    }

    [Fact]
    public unsafe void A_shared_entry_reads_its_page_in_shared_buffers_and_is_RETURNED_with_its_quota_kept()
    {
        const uint NBuffers = 3;
        var blocks = new byte[NBuffers * ShmemLayout.PageBytes];
        new Random(11).NextBytes(blocks);
        fixed (byte* b = blocks)
        {
            shm.Region.SetSharedBuffers(b, NBuffers);
            var pool = shm.Region.Pages;
            var slot = Claimed(1);
            int page = pool.TryAllocate(slot);
            var visibility = new byte[ShmemLayout.VisibilityBytes];
            visibility[0] = 1;
            pool.PublishShared(page, block: 9, scanId: 3, buffer: 2, visibility);

            // buffer 2 (1-based) is the second 8 KB of the stand-in shared buffers
            Assert.Equal(2u, pool.SharedBuffer(page));
            Assert.True(blocks.AsSpan(ShmemLayout.PageBytes, ShmemLayout.PageBytes).SequenceEqual(pool.Page(page)));
            uint seen = slot.BackendWake.Sequence;
            pool.Release(page);
            // the backend drops the pin, then frees the entry: until then it counts in the quota
            Assert.Equal(PageState.Returned, pool.State(page));
            Assert.Equal(1, slot.PagesInUse);
            Assert.NotEqual(seen, slot.BackendWake.Sequence);
            Assert.Throws<IpcException>(() => pool.Release(page));
            slot.Release();
            Assert.Equal(1, slot.Reclaim());
            Assert.Equal(PageState.Free, pool.State(page));
        }
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(4u)]
    [InlineData(uint.MaxValue)]
    public unsafe void A_shared_buffer_outside_1_to_NBuffers_is_an_IpcException(uint buffer)
    {
        var blocks = new byte[3 * ShmemLayout.PageBytes];
        fixed (byte* b = blocks)
        {
            shm.Region.SetSharedBuffers(b, 3);
            var pool = shm.Region.Pages;
            int page = pool.TryAllocate(Claimed(0));
            pool.PublishShared(page, 1, 1, buffer, new byte[ShmemLayout.VisibilityBytes]);
            if (buffer == 0)
            {
                Assert.Equal(ShmemLayout.PageBytes, pool.Page(page).Length); // 0: the copy after the meta
                return;
            }
            var e = Assert.Throws<IpcException>(() => pool.Page(page).Length);
            Assert.Contains($"shared buffer {buffer}, outside 1..3", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_shared_entry_without_published_shared_buffers_is_an_IpcException()
    {
        var pool = shm.Region.Pages;
        int page = pool.TryAllocate(Claimed(0));
        pool.PublishShared(page, 1, 1, 1, new byte[ShmemLayout.VisibilityBytes]);
        var e = Assert.Throws<IpcException>(() => pool.Page(page).Length);
        Assert.Contains("no shared buffers", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Releasing_a_page_that_is_not_READY_is_an_IpcException()
    {
        var pool = shm.Region.Pages;
        var slot = Claimed(0);
        int page = pool.TryAllocate(slot);
        var e = Assert.Throws<IpcException>(() => pool.Release(page));
        Assert.Contains($"page {page}", e.Message, StringComparison.Ordinal);
        Assert.Contains("not READY", e.Message, StringComparison.Ordinal);
        Assert.Equal(PageState.Filling, pool.State(page));
    }

    [Fact]
    public void Out_of_range_indexes_are_IpcExceptions_naming_the_range()
    {
        var pool = shm.Region.Pages;
        var e = Assert.Throws<IpcException>(() => pool.State(Pages));
        Assert.Contains($"0..{Pages - 1}", e.Message, StringComparison.Ordinal);
        Assert.Throws<IpcException>(() => pool.Page(-1).Length);
        var s = Assert.Throws<IpcException>(() => shm.Region.Slot(3));
        Assert.Contains("slot 3", s.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reclaiming_a_released_slot_frees_its_pages_and_rings_only()
    {
        var pool = shm.Region.Pages;
        var a = Claimed(0);
        var b = Claimed(1);
        int a1 = pool.TryAllocate(a);
        int a2 = pool.TryAllocate(a);
        pool.Publish(a2, 1, 0, new byte[ShmemLayout.PageBytes], new byte[ShmemLayout.VisibilityBytes]);
        int b1 = pool.TryAllocate(b);
        a.ToWorker.Write([1, 2, 3]);
        a.Release();
        Assert.Equal(SlotState.Released, a.State);

        Assert.Equal(2, a.Reclaim());
        Assert.Equal(SlotState.Free, a.State);
        Assert.Equal(0, a.PagesInUse);
        Assert.Equal(0u, a.ToWorker.Available);
        Assert.False(a.CancelRequested);
        Assert.Equal(PageState.Free, pool.State(a1));
        Assert.Equal(PageState.Free, pool.State(a2));
        Assert.Equal(PageState.Filling, pool.State(b1)); // another session's page stays
        Assert.Equal(1, b.PagesInUse);
    }

    [Fact]
    public void A_slot_is_claimed_once_and_each_claim_bumps_its_generation()
    {
        var slot = shm.Region.Slot(0);
        Assert.Equal(SlotState.Free, slot.State);
        uint g0 = slot.Generation;
        Assert.True(slot.TryClaim(123, 9));
        Assert.False(slot.TryClaim(456, 9));
        Assert.Equal(SlotState.Active, slot.State);
        Assert.Equal(123, slot.BackendPid);
        Assert.Equal(9u, slot.WorkerEpoch);
        Assert.Equal(g0 + 1, slot.Generation);
        slot.Release();
        slot.Reclaim();
        Assert.True(slot.TryClaim(456, 9));
        Assert.Equal(g0 + 2, slot.Generation);
    }

    [Fact]
    public void Concurrent_sessions_never_exceed_their_quota_or_share_a_page()
    {
        var pool = shm.Region.Pages;
        var slots = Enumerable.Range(0, 3).Select(Claimed).ToArray();
        var owned = new System.Collections.Concurrent.ConcurrentBag<(int Slot, int Page)>();
        Parallel.For(0, 3, s =>
        {
            for (int round = 0; round < 200; round++)
            {
                int p = pool.TryAllocate(slots[s]);
                if (p < 0)
                    continue;
                Assert.True(slots[s].PagesInUse <= Quota);
                Assert.Equal(s, pool.Owner(p));
                pool.Publish(p, (uint)round, (uint)s, new byte[ShmemLayout.PageBytes], new byte[ShmemLayout.VisibilityBytes]);
                Assert.Equal((uint)round, pool.Block(p)); // nobody else wrote into it
                owned.Add((s, p));
                pool.Release(p);
            }
        });
        Assert.NotEmpty(owned);
        Assert.Equal(0, pool.InUse());
        Assert.All(slots, s => Assert.Equal(0, s.PagesInUse));
    }
}
