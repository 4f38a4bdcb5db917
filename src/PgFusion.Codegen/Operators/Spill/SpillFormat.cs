using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using PgFusion.Arrow;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// The bytes of one spilled block of rows (docs/spill.md): i32 rows, i32 columns, then each
/// column's validity and value buffers in the Arrow layout of PgFusion.Arrow, little-endian.
/// Only the worker writes and reads these files, within one query.
/// </summary>
internal static class SpillFormat
{
    /// <summary>Writes rows 0..rows-1 of <paramref name="columns"/>; returns the bytes written.</summary>
    public static long Write(Stream s, Column[] columns, int rows)
    {
        long start = s.Position;
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(head, rows);
        BinaryPrimitives.WriteInt32LittleEndian(head[4..], columns.Length);
        s.Write(head);
        int words = (rows + 63) >> 6;
        foreach (var c in columns)
        {
            if (c.Validity is { } v && v.CountNulls(rows) > 0)
            {
                s.WriteByte(1);
                s.Write(MemoryMarshal.AsBytes(v.Words.AsSpan(0, words)));
            }
            else
            {
                s.WriteByte(0);
            }
            switch (c)
            {
                case BooleanColumn b:
                    s.Write(MemoryMarshal.AsBytes(b.Bits.Words.AsSpan(0, words)));
                    break;
                case VarBinaryColumn t:
                    WriteText(s, t, rows);
                    break;
                case DecimalColumn d:
                    WriteDecimal(s, d, rows);
                    break;
                default:
                    WritePrimitive(s, c, rows);
                    break;
            }
        }
        return s.Position - start;
    }

    /// <summary>Reads the next block into <paramref name="into"/> (reset first); the row count, or -1 at the end of the file.</summary>
    public static int Read(Stream s, Column[] into)
    {
        Span<byte> head = stackalloc byte[8];
        int got = s.ReadAtLeast(head, 8, throwOnEndOfStream: false);
        if (got == 0) return -1;
        if (got < 8) throw new InvalidDataException("truncated pg_fusion spill block header");
        int rows = BinaryPrimitives.ReadInt32LittleEndian(head);
        int count = BinaryPrimitives.ReadInt32LittleEndian(head[4..]);
        if (count != into.Length || rows < 0) throw new InvalidDataException($"pg_fusion spill block of {count} columns and {rows} rows where {into.Length} columns were expected");
        int words = (rows + 63) >> 6;
        foreach (var c in into)
        {
            c.Reset();
            c.EnsureCapacity(rows);
            bool hasNulls = s.ReadByte() == 1;
            if (hasNulls)
            {
                var v = c.EnsureValidity(rows);
                s.ReadExactly(MemoryMarshal.AsBytes(v.Words.AsSpan(0, words)));
            }
            else
            {
                c.Validity = null;
            }
            switch (c)
            {
                case BooleanColumn b:
                    s.ReadExactly(MemoryMarshal.AsBytes(b.Bits.Words.AsSpan(0, words)));
                    break;
                case VarBinaryColumn t:
                    ReadText(s, t, rows);
                    break;
                case DecimalColumn d:
                    ReadDecimal(s, d, rows);
                    break;
                default:
                    ReadPrimitive(s, c, rows);
                    break;
            }
            c.Length = rows;
        }
        return rows;
    }

    private static void WriteText(Stream s, VarBinaryColumn t, int rows)
    {
        int first = t.Offsets[0];
        Span<byte> buf = stackalloc byte[4];
        for (int r = 0; r <= rows; r++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buf, t.Offsets[r] - first);
            s.Write(buf);
        }
        s.Write(t.Data.AsSpan(first, t.Offsets[rows] - first));
    }

    private static void ReadText(Stream s, VarBinaryColumn t, int rows)
    {
        s.ReadExactly(MemoryMarshal.AsBytes(t.Offsets.AsSpan(0, rows + 1)));
        int bytes = t.Offsets[rows];
        t.EnsureDataCapacity(bytes);
        s.ReadExactly(t.Data.AsSpan(0, bytes));
    }

    private static void WriteDecimal(Stream s, DecimalColumn d, int rows)
    {
        s.Write(MemoryMarshal.AsBytes(d.Values.AsSpan(0, rows)));
        if (d.Scales is { } scales) s.Write(MemoryMarshal.AsBytes(scales.AsSpan(0, rows)));
        bool kinds = d.Kinds is { } k && k.AsSpan(0, rows).ContainsAnyExcept((byte)0);
        s.WriteByte(kinds ? (byte)1 : (byte)0);
        if (kinds) s.Write(d.Kinds.AsSpan(0, rows));
        var big = d.Big?.Where(e => e.Key < rows).ToArray() ?? [];
        Span<byte> buf = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(buf, big.Length);
        s.Write(buf[..4]);
        foreach (var (row, value) in big)
        {
            byte[] bytes = value.ToByteArray();
            BinaryPrimitives.WriteInt32LittleEndian(buf, row);
            BinaryPrimitives.WriteInt32LittleEndian(buf[4..], bytes.Length);
            s.Write(buf);
            s.Write(bytes);
        }
    }

    private static void ReadDecimal(Stream s, DecimalColumn d, int rows)
    {
        s.ReadExactly(MemoryMarshal.AsBytes(d.Values.AsSpan(0, rows)));
        if (d.Scales is { } scales) s.ReadExactly(MemoryMarshal.AsBytes(scales.AsSpan(0, rows)));
        if (s.ReadByte() == 1) s.ReadExactly(d.EnsureKinds().AsSpan(0, rows));
        else if (d.Kinds is { } k) Array.Clear(k);
        Span<byte> buf = stackalloc byte[8];
        s.ReadExactly(buf[..4]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(buf);
        if (count > 0) d.Big ??= [];
        for (int i = 0; i < count; i++)
        {
            s.ReadExactly(buf);
            int row = BinaryPrimitives.ReadInt32LittleEndian(buf);
            var bytes = new byte[BinaryPrimitives.ReadInt32LittleEndian(buf[4..])];
            s.ReadExactly(bytes);
            d.Big![row] = new BigInteger(bytes);
        }
    }

    private static void WritePrimitive(Stream s, Column c, int rows)
    {
        switch (c)
        {
            case PrimitiveColumn<short> p: s.Write(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            case PrimitiveColumn<int> p: s.Write(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            case PrimitiveColumn<long> p: s.Write(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            case PrimitiveColumn<uint> p: s.Write(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            case PrimitiveColumn<float> p: s.Write(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            case PrimitiveColumn<double> p: s.Write(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            case PrimitiveColumn<UInt128> p: s.Write(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            case PrimitiveColumn<Types.PgInterval> p: s.Write(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            default: throw new NotSupportedException($"pg_fusion cannot spill a {c.GetType().Name}");
        }
    }

    private static void ReadPrimitive(Stream s, Column c, int rows)
    {
        switch (c)
        {
            case PrimitiveColumn<short> p: s.ReadExactly(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            case PrimitiveColumn<int> p: s.ReadExactly(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            case PrimitiveColumn<long> p: s.ReadExactly(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            case PrimitiveColumn<uint> p: s.ReadExactly(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            case PrimitiveColumn<float> p: s.ReadExactly(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            case PrimitiveColumn<double> p: s.ReadExactly(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            case PrimitiveColumn<UInt128> p: s.ReadExactly(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            case PrimitiveColumn<Types.PgInterval> p: s.ReadExactly(MemoryMarshal.AsBytes(p.Values.AsSpan(0, rows))); break;
            default: throw new NotSupportedException($"pg_fusion cannot read a spilled {c.GetType().Name}");
        }
    }
}
