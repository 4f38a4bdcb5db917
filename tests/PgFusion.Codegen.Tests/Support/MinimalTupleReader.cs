using System.Buffers.Binary;
using PgFusion.Types;

namespace PgFusion.Codegen.Tests.Support;

/// <summary>
/// Decodes MinimalTuples back to values (test side, written independently of the encoder):
/// checks the header fields and walks attributes with PostgreSQL's alignment rules.
/// </summary>
public static class MinimalTupleReader
{
    public static object?[] Read(ReadOnlySpan<byte> t, IReadOnlyList<PgType> types)
    {
        uint len = BinaryPrimitives.ReadUInt32LittleEndian(t);
        if (len != t.Length) throw new InvalidDataException($"t_len {len} != {t.Length}");
        int natts = BinaryPrimitives.ReadUInt16LittleEndian(t[10..]) & 0x7FF;
        if (natts != types.Count) throw new InvalidDataException($"natts {natts} != {types.Count}");
        ushort infomask = BinaryPrimitives.ReadUInt16LittleEndian(t[12..]);
        int hoff = t[14] - 8;
        bool hasNull = (infomask & 1) != 0;
        int expectHoff = (15 + (hasNull ? (natts + 7) / 8 : 0) + 7) & ~7;
        if (hoff != expectHoff) throw new InvalidDataException($"t_hoff {hoff} != {expectHoff}");
        for (int p = 15 + (hasNull ? (natts + 7) / 8 : 0); p < hoff; p++)
            if (t[p] != 0) throw new InvalidDataException("header padding not zero");
        var values = new object?[natts];
        int off = hoff;
        bool sawVarlena = false, sawNull = false;
        for (int a = 0; a < natts; a++)
        {
            if (hasNull && (t[15 + (a >> 3)] & (1 << (a & 7))) == 0)
            {
                sawNull = true;
                continue;
            }
            var type = types[a];
            switch (type.Oid)
            {
                case PgTypeOid.Bool:
                    values[a] = t[off++] != 0;
                    break;
                case PgTypeOid.Int2:
                    off = Align(t, off, 2);
                    values[a] = BinaryPrimitives.ReadInt16LittleEndian(t[off..]);
                    off += 2;
                    break;
                case PgTypeOid.Int4:
                case PgTypeOid.Date:
                    off = Align(t, off, 4);
                    values[a] = BinaryPrimitives.ReadInt32LittleEndian(t[off..]);
                    off += 4;
                    break;
                case PgTypeOid.Float4:
                    off = Align(t, off, 4);
                    values[a] = BinaryPrimitives.ReadSingleLittleEndian(t[off..]);
                    off += 4;
                    break;
                case PgTypeOid.Int8:
                case PgTypeOid.Timestamp:
                    off = Align(t, off, 8);
                    values[a] = BinaryPrimitives.ReadInt64LittleEndian(t[off..]);
                    off += 8;
                    break;
                case PgTypeOid.Float8:
                    off = Align(t, off, 8);
                    values[a] = BinaryPrimitives.ReadDoubleLittleEndian(t[off..]);
                    off += 8;
                    break;
                case PgTypeOid.Interval:
                    off = Align(t, off, 8);
                    values[a] = new PgInterval(BinaryPrimitives.ReadInt64LittleEndian(t[off..]), BinaryPrimitives.ReadInt32LittleEndian(t[(off + 8)..]), BinaryPrimitives.ReadInt32LittleEndian(t[(off + 12)..]));
                    off += 16;
                    break;
                default:
                {
                    sawVarlena = true;
                    ReadOnlySpan<byte> payload;
                    if ((t[off] & 1) == 1)
                    {
                        int total = t[off] >> 1;
                        if (total > 127 || total < 1) throw new InvalidDataException("bad short varlena");
                        payload = t.Slice(off + 1, total - 1);
                        off += total;
                    }
                    else
                    {
                        off = Align(t, off, 4);
                        int total = (int)(BinaryPrimitives.ReadUInt32LittleEndian(t[off..]) >> 2);
                        if (total - 4 + 1 <= 127) throw new InvalidDataException("4-byte varlena header for a datum that fits a 1-byte header");
                        payload = t.Slice(off + 4, total - 4);
                        off += total;
                    }
                    values[a] = type.Oid == PgTypeOid.Numeric ? DecodeNumeric(payload) : payload.ToArray();
                    break;
                }
            }
        }
        if (off != t.Length) throw new InvalidDataException($"data ends at {off}, t_len {t.Length}");
        if (sawNull != hasNull) throw new InvalidDataException("HASNULL mismatch");
        if (sawVarlena != ((infomask & 2) != 0)) throw new InvalidDataException("HASVARWIDTH mismatch");
        return values;
    }

    private static int Align(ReadOnlySpan<byte> t, int off, int align)
    {
        int aligned = (off + align - 1) & ~(align - 1);
        for (int p = off; p < aligned; p++)
            if (t[p] != 0) throw new InvalidDataException("alignment padding not zero");
        return aligned;
    }

    /// <summary>numeric payload -> PgNumeric, checking the canonical form.</summary>
    public static PgNumeric DecodeNumeric(ReadOnlySpan<byte> p)
    {
        ushort h = BinaryPrimitives.ReadUInt16LittleEndian(p);
        int weight, dscale, off;
        bool neg;
        if ((h & 0xC000) == 0xC000)
        {
            return h switch
            {
                0xC000 => PgNumeric.NaN,
                0xD000 => PgNumeric.PositiveInfinity,
                0xF000 => PgNumeric.NegativeInfinity,
                _ => throw new InvalidDataException($"bad special numeric {h:X4}"),
            };
        }
        if ((h & 0x8000) != 0)
        {
            neg = (h & 0x2000) != 0;
            dscale = (h & 0x1F80) >> 7;
            weight = (h & 0x40) != 0 ? (~0x3F | (h & 0x3F)) : h & 0x3F;
            off = 2;
        }
        else
        {
            neg = (h & 0x4000) != 0;
            dscale = h & 0x3FFF;
            weight = BinaryPrimitives.ReadInt16LittleEndian(p[2..]);
            off = 4;
            if (dscale <= 63 && weight >= -64 && weight <= 63) throw new InvalidDataException("long numeric header where the short one fits");
        }
        int n = (p.Length - off) / 2;
        var value = System.Numerics.BigInteger.Zero;
        for (int i = 0; i < n; i++)
        {
            short d = BinaryPrimitives.ReadInt16LittleEndian(p[(off + 2 * i)..]);
            if ((i == 0 || i == n - 1) && d == 0) throw new InvalidDataException("leading or trailing zero digit");
            value = value * 10000 + d;
        }
        // value * 10000^(weight - n + 1) scaled to dscale
        int exp10 = 4 * (weight - n + 1) + dscale;
        if (exp10 >= 0) value *= System.Numerics.BigInteger.Pow(10, exp10);
        else
        {
            var div = System.Numerics.BigInteger.Pow(10, -exp10);
            if (!(value % div).IsZero) throw new InvalidDataException("digits beyond dscale");
            value /= div;
        }
        if (n == 0 && (neg || weight != 0)) throw new InvalidDataException("non-canonical zero");
        if (neg) value = -value;
        return value >= (System.Numerics.BigInteger)Int128.MinValue && value <= (System.Numerics.BigInteger)Int128.MaxValue
            ? new PgNumeric((Int128)value, (short)dscale)
            : new PgNumeric(0, (short)dscale, NumericKind.Finite, value);
    }
}
