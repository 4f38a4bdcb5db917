using System.Buffers.Binary;
using Xunit;

namespace PgFusion.Ipc.Tests;

public sealed class MessageChannelTests : IDisposable
{
    private const uint RingCapacity = 4096;
    private const uint MaxMessage = 64 * 1024;
    private readonly TestRegion shm = new(slots: 2, ringCapacity: RingCapacity, pages: 4, quota: 4, maxMessage: MaxMessage);
    private readonly SessionSlot slot;

    public MessageChannelTests()
    {
        slot = shm.Region.Slot(1);
        Assert.True(slot.TryClaim(Environment.ProcessId, shm.Region.WorkerEpoch));
    }

    public void Dispose() => shm.Dispose();

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static byte[] Payload(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public void A_message_is_a_little_endian_type_and_length_then_the_concatenated_parts()
    {
        var backend = slot.BackendChannel();
        backend.Send(MessageType.Compile, [1, 2, 3], [4, 5], Timeout());

        var raw = new byte[13];
        Assert.Equal(13, slot.ToWorker.Peek(raw));
        Assert.Equal((uint)MessageType.Compile, BinaryPrimitives.ReadUInt32LittleEndian(raw));
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(4)));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, raw[8..]);
        Assert.Equal(13u, slot.ToWorker.Available); // no padding, nothing else

        var message = slot.WorkerChannel().Receive(Timeout());
        Assert.Equal(MessageType.Compile, message.Type);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, message.Span.ToArray());
        Assert.Equal(0u, slot.ToWorker.Available);
    }

    [Fact]
    public void Empty_payloads_and_an_empty_ring()
    {
        var backend = slot.BackendChannel();
        var worker = slot.WorkerChannel();
        Assert.False(worker.TryReceive(out _, Timeout()));
        worker.Send(MessageType.Done, [], Timeout());
        Assert.True(backend.TryReceive(out var m, Timeout()));
        Assert.Equal(MessageType.Done, m.Type);
        Assert.Equal(0, m.Payload.Length);
        Assert.False(backend.TryReceive(out _, Timeout()));
    }

    [Fact]
    public async Task A_message_larger_than_the_ring_streams_through()
    {
        var payload = Payload((int)RingCapacity * 5 + 17, 3);
        var backend = slot.BackendChannel();
        var sender = Task.Run(() => backend.Send(MessageType.Explain, payload, Timeout()));
        var message = slot.WorkerChannel().Receive(Timeout());
        await sender.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(MessageType.Explain, message.Type);
        Assert.True(payload.AsSpan().SequenceEqual(message.Span));
    }

    [Fact]
    public async Task Both_sides_sending_large_messages_at_once_do_not_deadlock()
    {
        for (int round = 0; round < 20; round++)
            await ExchangeLargeMessages();
    }

    private async Task ExchangeLargeMessages()
    {
        var backend = slot.BackendChannel();
        var worker = slot.WorkerChannel();
        var fromBackend = Enumerable.Range(0, 3).Select(i => Payload(10_000 + i, 10 + i)).ToArray();
        var fromWorker = Enumerable.Range(0, 3).Select(i => Payload(9_000 + i, 20 + i)).ToArray();

        List<byte[]> Exchange(MessageChannel channel, byte[][] outgoing, MessageType type)
        {
            foreach (var p in outgoing)
                channel.Send(type, p, Timeout());
            var got = new List<byte[]>();
            for (int i = 0; i < 3; i++)
                got.Add(channel.Receive(Timeout()).Span.ToArray()); // copy: the buffer is reused
            return got;
        }

        var b = Task.Factory.StartNew(() => Exchange(backend, fromBackend, MessageType.Page), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var w = Task.Factory.StartNew(() => Exchange(worker, fromWorker, MessageType.Tuple), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var all = await Task.WhenAll(b, w).WaitAsync(TimeSpan.FromSeconds(60)); // TimeoutException: the senders deadlocked
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(fromWorker[i], all[0][i]);
            Assert.Equal(fromBackend[i], all[1][i]);
        }
    }

    [Fact]
    public async Task Both_sides_sending_random_streams_at_once_get_everything_in_order()
    {
        // Both rings full with each side in the middle of a message is the case that deadlocks
        // when a blocked sender waits for a whole frame from a peer that is itself blocked.
        for (int seed = 0; seed < 10; seed++)
        {
            var rng = new Random(seed);
            var fromBackend = Enumerable.Range(0, 30).Select(_ => Payload(rng.Next(0, 3 * (int)RingCapacity), rng.Next())).ToArray();
            var fromWorker = Enumerable.Range(0, 30).Select(_ => Payload(rng.Next(0, 3 * (int)RingCapacity), rng.Next())).ToArray();
            var backend = slot.BackendChannel();
            var worker = slot.WorkerChannel();

            static List<byte[]> Exchange(MessageChannel channel, byte[][] outgoing, int incoming)
            {
                var got = new List<byte[]>();
                foreach (var p in outgoing)
                {
                    channel.Send(MessageType.Tuple, p, Timeout());
                    while (channel.TryReceive(out var m, Timeout())) // interleave reads and writes
                        got.Add(m.Span.ToArray());
                }
                while (got.Count < incoming)
                    got.Add(channel.Receive(Timeout()).Span.ToArray());
                return got;
            }

            var b = Task.Factory.StartNew(() => Exchange(backend, fromBackend, fromWorker.Length), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var w = Task.Factory.StartNew(() => Exchange(worker, fromWorker, fromBackend.Length), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var all = await Task.WhenAll(b, w).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(fromWorker.Zip(all[0]).All(x => x.First.AsSpan().SequenceEqual(x.Second)), $"seed {seed}: backend received a different stream");
            Assert.True(fromBackend.Zip(all[1]).All(x => x.First.AsSpan().SequenceEqual(x.Second)), $"seed {seed}: worker received a different stream");
        }
    }

    [Fact]
    public async Task Random_message_sequences_arrive_in_order_and_intact()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var rng = new Random(seed);
            var types = Enum.GetValues<MessageType>();
            var sent = Enumerable.Range(0, 40)
                .Select(_ => (Type: types[rng.Next(types.Length)], Payload: Payload(rng.Next(0, rng.Next(2) == 0 ? 64 : 3 * (int)RingCapacity), rng.Next())))
                .ToList();
            var backend = slot.BackendChannel();
            var worker = slot.WorkerChannel();
            var sender = Task.Run(() =>
            {
                foreach (var (type, payload) in sent)
                    backend.Send(type, payload, Timeout());
            });
            foreach (var (type, payload) in sent)
            {
                var m = worker.Receive(Timeout());
                Assert.True(m.Type == type && m.Span.SequenceEqual(payload), $"seed {seed}: got {m.Type}/{m.Payload.Length} bytes, sent {type}/{payload.Length} bytes");
            }
            await sender.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0u, slot.ToWorker.Available);
        }
    }

    private void WriteRawHeader(uint type, uint length)
    {
        var h = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(h, type);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), length);
        Assert.Equal(8, slot.ToWorker.Write(h));
    }

    [Fact]
    public void An_unknown_message_type_is_an_IpcException_naming_type_and_length()
    {
        WriteRawHeader(77, 3);
        var e = Assert.Throws<IpcException>(() => slot.WorkerChannel().TryReceive(out _, Timeout()));
        Assert.Contains("unknown message type 77", e.Message, StringComparison.Ordinal);
        Assert.Contains("3 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_claiming_more_than_the_limit_is_an_IpcException_naming_type_size_and_limit()
    {
        WriteRawHeader((uint)MessageType.Page, MaxMessage + 1);
        var e = Assert.Throws<IpcException>(() => slot.WorkerChannel().Receive(Timeout()));
        Assert.Contains("Page", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{MaxMessage + 1} bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{MaxMessage} bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sending_more_than_the_limit_fails_before_writing_anything()
    {
        var e = Assert.Throws<IpcException>(() => slot.BackendChannel().Send(MessageType.Compile, new byte[MaxMessage], [1], Timeout()));
        Assert.Contains("Compile", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{MaxMessage + 1} bytes", e.Message, StringComparison.Ordinal);
        Assert.Equal(0u, slot.ToWorker.Available);
    }

    [Fact]
    public async Task Receive_gives_up_on_cancellation_and_when_the_peer_is_gone()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.ThrowsAny<OperationCanceledException>(() => slot.WorkerChannel().Receive(cts.Token));

        bool alive = true;
        var worker = slot.WorkerChannel(() => alive);
        var receiving = Task.Run(() => worker.Receive(Timeout()));
        Thread.Sleep(50);
        alive = false;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receiving.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Release_sets_cancel_and_the_worker_channel_of_a_session_sees_the_peer_gone()
    {
        uint generation = slot.Generation;
        var s = slot;
        var worker = slot.WorkerChannel(() => s.State == SlotState.Active && s.Generation == generation && !s.CancelRequested);
        slot.Release();
        Assert.Equal(SlotState.Released, slot.State);
        Assert.True(slot.CancelRequested);
        Assert.ThrowsAny<OperationCanceledException>(() => worker.Receive(Timeout()));
    }

    [Fact]
    public async Task A_channel_reused_for_the_next_claim_forgets_the_bytes_it_staged_for_the_previous_one()
    {
        // The worker's slot thread keeps one channel per slot (SlotServer). A send that blocked on a
        // full ring staged the backend's bytes; after the release and the reclaim (rings emptied),
        // Reset must drop them or the next claim would receive the previous claim's message.
        var worker = slot.WorkerChannel();
        slot.BackendChannel().Send(MessageType.Compile, [1, 2, 3], Timeout());
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
            Assert.ThrowsAny<OperationCanceledException>(() => worker.Send(MessageType.Explained, new byte[RingCapacity * 2], cts.Token));
        Assert.Equal(0u, slot.ToWorker.Available); // the COMPILE went to the staging buffer

        slot.Release();
        slot.Reclaim();
        Assert.True(slot.TryClaim(Environment.ProcessId, shm.Region.WorkerEpoch));
        worker.Reset(keepBufferBytes: 1024);
        var payload = Payload((int)RingCapacity * 3, 7); // grows the receive buffer past what Reset keeps
        var backend = slot.BackendChannel();
        var sender = Task.Run(() => backend.Send(MessageType.Execute, payload, Timeout()));
        var message = worker.Receive(Timeout());
        await sender.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(MessageType.Execute, message.Type);
        Assert.True(payload.AsSpan().SequenceEqual(message.Span));

        slot.Release();
        slot.Reclaim();
        Assert.True(slot.TryClaim(Environment.ProcessId, shm.Region.WorkerEpoch));
        worker.Reset(keepBufferBytes: 1024);
        slot.BackendChannel().Send(MessageType.Compile, [9], Timeout());
        var small = worker.Receive(Timeout());
        Assert.Equal(MessageType.Compile, small.Type);
        Assert.Equal(new byte[] { 9 }, small.Span.ToArray());
    }
}
