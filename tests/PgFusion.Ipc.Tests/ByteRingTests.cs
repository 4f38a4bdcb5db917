using System.Runtime.InteropServices;
using Xunit;

namespace PgFusion.Ipc.Tests;

public sealed unsafe class ByteRingTests : IDisposable
{
    private const uint Capacity = 64;
    private readonly byte* memory = (byte*)NativeMemory.AllocZeroed(16 + Capacity);

    private ByteRing Ring => new((ulong*)memory, (ulong*)(memory + 8), memory + 16, Capacity);

    private ulong Head => *(ulong*)memory;

    private ulong Tail => *(ulong*)(memory + 8);

    public void Dispose() => NativeMemory.Free(memory);

    private static byte[] Bytes(int count, int start) => Enumerable.Range(start, count).Select(i => (byte)i).ToArray();

    [Fact]
    public void Capacity_must_be_a_power_of_two()
    {
        var e = Assert.Throws<IpcException>(() => new ByteRing((ulong*)memory, (ulong*)(memory + 8), memory + 16, 48));
        Assert.Contains("48", e.Message, StringComparison.Ordinal);
        Assert.Throws<IpcException>(() => new ByteRing((ulong*)memory, (ulong*)(memory + 8), memory + 16, 0));
    }

    [Fact]
    public void Empty_ring_reads_nothing_and_full_ring_writes_nothing()
    {
        var ring = Ring;
        Assert.Equal(0u, ring.Available);
        Assert.Equal(Capacity, ring.Free);
        Assert.Equal(0, ring.Read(new byte[10]));

        Assert.Equal((int)Capacity, ring.Write(Bytes(100, 0))); // only what fits
        Assert.Equal(Capacity, ring.Available);
        Assert.Equal(0u, ring.Free);
        Assert.Equal(0, ring.Write(Bytes(1, 0)));
        Assert.Equal(Capacity, Head);

        var all = new byte[100];
        Assert.Equal((int)Capacity, ring.Read(all));
        Assert.Equal(Bytes((int)Capacity, 0), all[..(int)Capacity]);
        Assert.Equal(0u, ring.Available);
        Assert.Equal(Head, Tail);
    }

    [Fact]
    public void Writes_and_reads_wrap_around_the_end_of_the_buffer()
    {
        var ring = Ring;
        Assert.Equal(50, ring.Write(Bytes(50, 0)));
        Assert.Equal(50, ring.Read(new byte[50]));
        // positions are at 50: a 40-byte write puts 14 bytes at the end and 26 at the start
        var data = Bytes(40, 100);
        Assert.Equal(40, ring.Write(data));
        Assert.Equal(Bytes(14, 100), new ReadOnlySpan<byte>(memory + 16 + 50, 14).ToArray());
        Assert.Equal(Bytes(26, 114), new ReadOnlySpan<byte>(memory + 16, 26).ToArray());
        var back = new byte[40];
        Assert.Equal(40, ring.Read(back));
        Assert.Equal(data, back);
        Assert.Equal(90UL, Head); // monotonic byte counts, not offsets
        Assert.Equal(90UL, Tail);
    }

    [Fact]
    public void Read_reports_a_full_ring_only_when_the_writer_may_wait_for_space()
    {
        var ring = Ring;
        ring.Write(Bytes(60, 0));
        Assert.Equal(10, ring.Read(new byte[10], out bool wasFull));
        Assert.False(wasFull); // 4 bytes were free: a writer writes them rather than sleeping
        Assert.Equal(14, ring.Write(Bytes(20, 0))); // fills the ring
        Assert.Equal(1, ring.Read(new byte[1], out wasFull));
        Assert.True(wasFull);
        Assert.Equal(0, ring.Read([], out wasFull));
        Assert.False(wasFull);
        var rest = new byte[100];
        Assert.Equal((int)Capacity - 1, ring.Read(rest, out wasFull));
        Assert.False(wasFull); // one byte was already free again
        Assert.Equal(0, ring.Read(rest, out wasFull));
        Assert.False(wasFull);
        Assert.Equal(Head, Tail);
    }

    [Fact]
    public void Peek_does_not_consume()
    {
        var ring = Ring;
        ring.Write(Bytes(10, 7));
        var a = new byte[4];
        Assert.Equal(4, ring.Peek(a));
        Assert.Equal(10u, ring.Available);
        var b = new byte[10];
        Assert.Equal(10, ring.Read(b));
        Assert.Equal(a, b[..4]);
    }

    [Fact]
    public void Reset_empties_the_ring()
    {
        var ring = Ring;
        ring.Write(Bytes(30, 0));
        ring.Reset();
        Assert.Equal(0u, ring.Available);
        Assert.Equal(0UL, Head);
        Assert.Equal(0UL, Tail);
    }

    [Fact]
    public void Random_chunked_writes_and_reads_preserve_the_byte_stream()
    {
        for (int seed = 0; seed < 200; seed++)
        {
            NativeMemory.Clear(memory, 16 + Capacity);
            var ring = Ring;
            var rng = new Random(seed);
            var stream = new byte[2000];
            rng.NextBytes(stream);
            var received = new List<byte>();
            int written = 0;
            while (received.Count < stream.Length)
            {
                if (rng.Next(2) == 0 && written < stream.Length)
                {
                    int want = Math.Min(rng.Next(1, 100), stream.Length - written);
                    uint free = ring.Free;
                    int n = ring.Write(stream.AsSpan(written, want));
                    Assert.True(n == Math.Min(want, (int)free), $"seed {seed}: wrote {n} of {want} with {free} free");
                    written += n;
                }
                else
                {
                    var buf = new byte[rng.Next(1, 100)];
                    uint avail = ring.Available;
                    int n = ring.Read(buf);
                    Assert.True(n == Math.Min(buf.Length, (int)avail), $"seed {seed}: read {n} of {buf.Length} with {avail} available");
                    received.AddRange(buf.AsSpan(0, n).ToArray());
                }
                Assert.True(ring.Available <= Capacity, $"seed {seed}: {ring.Available} available in a {Capacity}-byte ring");
            }
            Assert.True(stream.AsSpan().SequenceEqual(received.ToArray()), $"seed {seed}: stream differs");
        }
    }

    [Fact]
    public void One_writer_thread_and_one_reader_thread_agree_on_the_stream()
    {
        var ring = Ring;
        var stream = new byte[1 << 14];
        new Random(42).NextBytes(stream);
        var received = new byte[stream.Length];
        var writer = new Thread(() =>
        {
            int at = 0;
            var rng = new Random(1);
            while (at < stream.Length)
            {
                int n = ring.Write(stream.AsSpan(at, Math.Min(rng.Next(1, 80), stream.Length - at)));
                if (n == 0)
                    Thread.Yield();
                at += n;
            }
        });
        writer.Start();
        int got = 0;
        var rng = new Random(2);
        while (got < received.Length)
        {
            int n = ring.Read(received.AsSpan(got, Math.Min(rng.Next(1, 80), received.Length - got)));
            if (n == 0)
                Thread.Yield();
            got += n;
        }
        writer.Join();
        Assert.True(stream.AsSpan().SequenceEqual(received));
    }
}
