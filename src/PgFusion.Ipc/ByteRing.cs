using System.Runtime.CompilerServices;

namespace PgFusion.Ipc;

/// <summary>
/// A single-producer single-consumer byte stream over shared memory: monotonic u64 head (bytes
/// ever written, advanced only by the writer) and tail (bytes ever read, advanced only by the
/// reader), capacity a power of two. A message may be larger than the ring: it streams through.
/// </summary>
public readonly unsafe struct ByteRing
{
    private readonly ulong* head;
    private readonly ulong* tail;
    private readonly byte* data;
    private readonly uint mask;

    public ByteRing(ulong* head, ulong* tail, byte* data, uint capacity)
    {
        if (capacity == 0 || (capacity & (capacity - 1)) != 0)
            throw new IpcException($"ring capacity {capacity} is not a power of two");
        this.head = head;
        this.tail = tail;
        this.data = data;
        mask = capacity - 1;
    }

    public uint Capacity => mask + 1;

    /// <summary>Bytes the reader can take now.</summary>
    public uint Available => (uint)(Volatile.Read(ref *head) - Volatile.Read(ref *tail));

    /// <summary>Bytes the writer can put now.</summary>
    public uint Free => Capacity - Available;

    /// <summary>Copies as much of <paramref name="source"/> as fits; returns the bytes written.</summary>
    public int Write(ReadOnlySpan<byte> source)
    {
        ulong h = Volatile.Read(ref *head);
        ulong t = Volatile.Read(ref *tail);
        int n = (int)Math.Min((ulong)source.Length, Capacity - (h - t));
        if (n == 0)
            return 0;
        int at = (int)(h & mask);
        int first = Math.Min(n, (int)Capacity - at);
        source[..first].CopyTo(new Span<byte>(data + at, first));
        if (n > first)
            source[first..n].CopyTo(new Span<byte>(data, n - first));
        // the bytes must be visible before the new head; a full fence, so that the next attempt's
        // tail load cannot pass this store (the reader's wake-when-full check relies on it, see Read)
        Interlocked.Exchange(ref *head, h + (ulong)n);
        return n;
    }

    /// <summary>Copies up to destination.Length available bytes; returns the bytes read.</summary>
    public int Read(Span<byte> destination)
    {
        int n = Peek(destination);
        if (n > 0)
            Skip(n);
        return n;
    }

    /// <summary>
    /// Copies up to destination.Length available bytes; <paramref name="wasFull"/> tells whether the
    /// writer may be waiting for space. A writer writes what fits and sleeps only when nothing does,
    /// i.e. when it saw head - tail = capacity with the tail before this read. The check loads the
    /// head after the new tail is stored; both sides store their position and then load the other's
    /// with full fences between, so either the writer sees the space freed here or this read sees
    /// the head that filled the ring.
    /// </summary>
    public int Read(Span<byte> destination, out bool wasFull)
    {
        ulong t = Volatile.Read(ref *tail);
        int n = Peek(destination);
        if (n == 0)
        {
            wasFull = false;
            return 0;
        }
        Interlocked.MemoryBarrier();
        Interlocked.Exchange(ref *tail, t + (ulong)n);
        wasFull = Volatile.Read(ref *head) - t >= Capacity;
        return n;
    }

    /// <summary>Copies up to destination.Length available bytes without consuming them.</summary>
    public int Peek(Span<byte> destination)
    {
        ulong t = Volatile.Read(ref *tail);
        ulong h = Volatile.Read(ref *head);
        int n = (int)Math.Min((ulong)destination.Length, h - t);
        if (n == 0)
            return 0;
        int at = (int)(t & mask);
        int first = Math.Min(n, (int)Capacity - at);
        new ReadOnlySpan<byte>(data + at, first).CopyTo(destination);
        if (n > first)
            new ReadOnlySpan<byte>(data, n - first).CopyTo(destination[first..]);
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Skip(int n)
    {
        // full fence: the copies out must complete before the writer may reuse the space
        Interlocked.MemoryBarrier();
        Volatile.Write(ref *tail, Volatile.Read(ref *tail) + (ulong)n);
    }

    /// <summary>Empties the ring (only when neither side uses it: slot reclaim).</summary>
    public void Reset()
    {
        Volatile.Write(ref *head, 0);
        Volatile.Write(ref *tail, 0);
    }
}
