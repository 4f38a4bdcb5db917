using System.Buffers.Binary;

namespace PgFusion.Ipc;

/// <summary>
/// One side of a session: framed messages (u32 type, u32 payload length, payload) written to the
/// outbound ring and read from the inbound ring, with futex waits that give up every
/// <see cref="WaitSliceMs"/> to check cancellation and the peer's liveness.
/// While a send waits for ring space it moves whatever bytes have arrived on the inbound ring
/// into a staging buffer (whole frames or not), so two sides that both send at once never
/// deadlock: a blocked writer always frees its peer's ring, and a reader waiting for the rest of
/// a frame only waits for a peer that is itself writing.
/// Thread-safe: sends and receives are serialized by a lock.
/// </summary>
public sealed class MessageChannel
{
    private readonly ByteRing outbound;
    private readonly ByteRing inbound;
    private readonly WakeWord mine;
    private readonly WakeWord peer;
    private readonly uint maxMessageBytes;
    private readonly Func<bool> peerAlive;
    private byte[] staged = new byte[4096]; // inbound bytes taken off the ring by a blocked send
    private int stagedStart;
    private int stagedCount;
    private readonly Lock gate = new();
    private byte[] buffer = new byte[4096];
    private readonly byte[] header = new byte[ShmemLayout.MessageHeaderSize];

    public MessageChannel(ByteRing outbound, ByteRing inbound, WakeWord mine, WakeWord peer, uint maxMessageBytes, Func<bool>? peerAlive = null)
    {
        this.outbound = outbound;
        this.inbound = inbound;
        this.mine = mine;
        this.peer = peer;
        this.maxMessageBytes = maxMessageBytes;
        this.peerAlive = peerAlive ?? (() => true);
    }

    public int WaitSliceMs { get; init; } = 20;

    /// <summary>
    /// Forgets staged inbound bytes, for a channel reused over a slot's next claim (the worker
    /// reclaimed the slot and emptied both rings). Keeps the receive buffer, so a COMPILE or
    /// EXECUTE of the same size allocates nothing, unless it grew past
    /// <paramref name="keepBufferBytes"/>.
    /// </summary>
    public void Reset(int keepBufferBytes)
    {
        lock (gate)
        {
            stagedStart = 0;
            stagedCount = 0;
            if (staged.Length > keepBufferBytes)
                staged = new byte[4096];
            if (buffer.Length > keepBufferBytes)
                buffer = new byte[4096];
        }
    }

    /// <summary>Sends one message whose payload is the concatenation of the parts.</summary>
    public void Send(MessageType type, ReadOnlySpan<byte> part1, ReadOnlySpan<byte> part2, CancellationToken cancellation)
    {
        long length = (long)part1.Length + part2.Length;
        if (length > maxMessageBytes)
            throw new IpcException($"{type} message of {length} bytes exceeds the limit of {maxMessageBytes} bytes");
        lock (gate)
        {
            Span<byte> h = stackalloc byte[ShmemLayout.MessageHeaderSize];
            BinaryPrimitives.WriteUInt32LittleEndian(h, (uint)type);
            BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)length);
            WriteAll(h, cancellation);
            WriteAll(part1, cancellation);
            WriteAll(part2, cancellation);
        }
    }

    public void Send(MessageType type, ReadOnlySpan<byte> payload, CancellationToken cancellation) =>
        Send(type, payload, [], cancellation);

    private void WriteAll(ReadOnlySpan<byte> data, CancellationToken cancellation)
    {
        while (!data.IsEmpty)
        {
            uint seen = mine.Sequence;
            int n = outbound.Write(data);
            if (n > 0)
            {
                data = data[n..];
                peer.Wake();
                continue;
            }
            // Blocked: take what the peer sent so that it can finish its own send.
            if (StageInbound() > 0)
                continue;
            Pause(seen, cancellation);
        }
    }

    /// <summary>The next message, waiting for it; null never (throws on cancellation or a dead peer).</summary>
    public Message Receive(CancellationToken cancellation)
    {
        while (true)
        {
            uint seen = mine.Sequence;
            if (TryReceive(out var message, cancellation))
                return message;
            Pause(seen, cancellation);
        }
    }

    /// <summary>The next message if one has begun to arrive (then waits for the rest of it).</summary>
    public bool TryReceive(out Message message, CancellationToken cancellation)
    {
        lock (gate)
        {
            if (TryReadFrame(out var type, out var payload, cancellation))
            {
                message = new Message(type, payload);
                return true;
            }
            message = default;
            return false;
        }
    }

    private bool TryReadFrame(out MessageType type, out ReadOnlyMemory<byte> payload, CancellationToken cancellation)
    {
        type = 0;
        payload = default;
        if (stagedCount + inbound.Available < ShmemLayout.MessageHeaderSize)
            return false;
        ReadInbound(header);
        uint rawType = BinaryPrimitives.ReadUInt32LittleEndian(header);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        if (!MessageTypes.IsKnown(rawType))
            throw new IpcException($"unknown message type {rawType} (payload {length} bytes)");
        if (length > maxMessageBytes)
            throw new IpcException($"{(MessageType)rawType} message of {length} bytes exceeds the limit of {maxMessageBytes} bytes");
        if (buffer.Length < length)
            buffer = new byte[Math.Max(length, (uint)buffer.Length * 2)];
        int got = 0;
        while (got < length)
        {
            uint seen = mine.Sequence;
            int n = ReadInbound(buffer.AsSpan(got, (int)length - got));
            if (n > 0)
            {
                got += n;
                continue;
            }
            Pause(seen, cancellation);
        }
        type = (MessageType)rawType;
        payload = buffer.AsMemory(0, (int)length);
        return true;
    }

    /// <summary>Reads staged bytes first, then the ring (waking the peer if it may wait for space).</summary>
    private int ReadInbound(Span<byte> destination)
    {
        int n = Math.Min(stagedCount, destination.Length);
        staged.AsSpan(stagedStart, n).CopyTo(destination);
        stagedStart += n;
        stagedCount -= n;
        if (stagedCount == 0)
            stagedStart = 0;
        // Only a full ring can have a writer waiting: waking the peer after every read woke a
        // backend sleeping for pool quota once per message, for nothing.
        int fromRing = inbound.Read(destination[n..], out bool wasFull);
        if (wasFull)
            peer.Wake();
        return n + fromRing;
    }

    /// <summary>Moves every byte now in the inbound ring to the staging buffer; returns how many.</summary>
    private int StageInbound()
    {
        int available = (int)inbound.Available;
        if (available == 0)
            return 0;
        if (stagedStart + stagedCount + available > staged.Length)
        {
            var grown = stagedCount + available > staged.Length ? new byte[Math.Max(staged.Length * 2, stagedCount + available)] : staged;
            staged.AsSpan(stagedStart, stagedCount).CopyTo(grown);
            staged = grown;
            stagedStart = 0;
        }
        int n = inbound.Read(staged.AsSpan(stagedStart + stagedCount, available), out bool wasFull);
        stagedCount += n;
        if (wasFull)
            peer.Wake();
        return n;
    }

    private void Pause(uint seen, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        if (!peerAlive())
            throw new OperationCanceledException("the other side of the session is gone");
        mine.Wait(seen, WaitSliceMs);
        cancellation.ThrowIfCancellationRequested();
    }
}
