using System.Runtime.InteropServices;
using System.Text;
using PgFusion.Tpch.Generation;

namespace PgFusion.Tpch.Tests;

/// <summary>An order-sensitive 64-bit checksum (FNV-1a over each value's bytes, with type tags) and a row count.</summary>
public sealed class ChecksumSink : IRowSink
{
    private ulong _hash = 14695981039346656037UL;

    public ulong Checksum => _hash;

    public long Rows { get; private set; }

    public void BeginRow()
    {
        Rows++;
        Mix((byte)'R');
    }

    public void Integer(int value)
    {
        Mix((byte)'I');
        Mix(MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in value)));
    }

    public void Money(long hundredths)
    {
        Mix((byte)'M');
        Mix(MemoryMarshal.AsBytes(new ReadOnlySpan<long>(in hundredths)));
    }

    public void Date(DateOnly value)
    {
        Mix((byte)'D');
        var day = value.DayNumber;
        Mix(MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in day)));
    }

    public void Text(string value)
    {
        Mix((byte)'T');
        Mix(Encoding.UTF8.GetBytes(value));
        Mix(0);
    }

    private void Mix(byte b) => _hash = (_hash ^ b) * 1099511628211UL;

    private void Mix(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
            Mix(b);
    }
}
