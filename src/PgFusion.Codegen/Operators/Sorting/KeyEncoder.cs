using System.Buffers.Binary;
using System.Numerics;
using PgFusion.Arrow;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Sorting;

/// <summary>
/// Turns one sort key column into order-preserving unsigned integers ("ordinals"): for rows a and
/// b, ordinal(a) &lt; ordinal(b) exactly when the type's btree order puts a first, and equal
/// ordinals mean equal values. Integers and dates flip their sign bit; float4/float8 map their
/// bits so that -0.0 = 0.0 and every NaN is one value above +Infinity (float8_cmp's order);
/// numeric rescales to the column's largest scale (1.0 = 1.00), places -Infinity below and
/// +Infinity, NaN above every finite value (numeric_cmp's order). Each result is taken relative to
/// the smallest value of the buffered rows, so a key spans only as many bits as its values' range
/// needs (2,500 distinct dates need 12 bits). Text is not an ordinal: see <see cref="SortKeyLayout"/>.
/// </summary>
internal static class KeyEncoder
{
    /// <summary>
    /// Ordinals of rows 0..count-1 into <paramref name="ordinals"/> (NULL rows: 0) and the largest
    /// one; false when the column cannot be encoded (numeric beyond 38 digits or whose range needs
    /// more than 64 bits), and the sort compares that key with ColumnOps instead.
    /// </summary>
    public static bool TryOrdinals(Column column, int count, ulong[] ordinals, out ulong max)
    {
        max = 0;
        switch (column)
        {
            case PrimitiveColumn<int> c:
                Signed(c.Values, count, ordinals);
                break;
            case PrimitiveColumn<long> c:
                Signed(c.Values, count, ordinals);
                break;
            case PrimitiveColumn<short> c:
                Signed(c.Values, count, ordinals);
                break;
            case PrimitiveColumn<uint> c:
                for (int i = 0; i < count; i++) ordinals[i] = c.Values[i];
                break;
            case PrimitiveColumn<double> c:
                for (int i = 0; i < count; i++) ordinals[i] = Float8(c.Values[i]);
                break;
            case PrimitiveColumn<float> c:
                for (int i = 0; i < count; i++) ordinals[i] = Float8(c.Values[i]);
                break;
            case BooleanColumn c:
                for (int i = 0; i < count; i++) ordinals[i] = c.Get(i) ? 1UL : 0UL;
                break;
            case DecimalColumn c:
                return Numeric(c, count, ordinals, out max);
            default:
                return false;
        }
        return Rebase(column.Validity, count, ordinals, out max);
    }

    private static void Signed<T>(T[] values, int count, ulong[] ordinals) where T : unmanaged, IBinaryInteger<T>
    {
        for (int i = 0; i < count; i++) ordinals[i] = ulong.CreateTruncating(long.CreateTruncating(values[i])) ^ (1UL << 63);
    }

    /// <summary>float8_cmp's order as an unsigned integer: -0.0 as 0.0, NaN (any payload) above +Infinity.</summary>
    public static ulong Float8(double v)
    {
        if (double.IsNaN(v)) return ulong.MaxValue;
        if (v == 0.0) v = 0.0;
        ulong bits = BitConverter.DoubleToUInt64Bits(v);
        return (bits & (1UL << 63)) != 0 ? ~bits : bits | (1UL << 63);
    }

    /// <summary>Subtracts the smallest non-NULL ordinal from every non-NULL one; NULL rows get 0.</summary>
    private static bool Rebase(ValidityBitmap? validity, int count, ulong[] ordinals, out ulong max)
    {
        ulong lo = ulong.MaxValue, hi = 0;
        for (int i = 0; i < count; i++)
        {
            if (validity is not null && !validity.IsValid(i)) continue;
            ulong o = ordinals[i];
            if (o < lo) lo = o;
            if (o > hi) hi = o;
        }
        max = hi >= lo ? hi - lo : 0;
        for (int i = 0; i < count; i++) ordinals[i] = validity is not null && !validity.IsValid(i) ? 0 : ordinals[i] - lo;
        return true;
    }

    private static bool Numeric(DecimalColumn c, int count, ulong[] ordinals, out ulong max)
    {
        max = 0;
        var validity = c.Validity;
        var kinds = c.Kinds;
        int scale = c.FixedScale;
        bool negInf = false;
        if (c.Scales is { } scales)
        {
            scale = 0;
            for (int i = 0; i < count; i++) scale = Math.Max(scale, scales[i]);
        }
        Int128 lo = Int128.MaxValue, hi = Int128.MinValue;
        for (int i = 0; i < count; i++)
        {
            if (validity is not null && !validity.IsValid(i)) continue;
            if (kinds is not null && kinds[i] != 0)
            {
                if (kinds[i] == DecimalColumn.KindBig) return false;
                negInf |= kinds[i] == (byte)NumericKind.NegativeInfinity;
                continue;
            }
            if (!TryScaled(c, i, scale, out var v)) return false;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        // finite values at 1 + (v - lo) when a -Infinity takes 0; +Infinity, then NaN, above them
        ulong below = negInf ? 1UL : 0UL;
        ulong range = 0;
        if (hi >= lo)
        {
            var span = (UInt128)(hi - lo);
            if (span > ulong.MaxValue - 4) return false;
            range = (ulong)span;
        }
        ulong posInf = below + range + 1, nan = posInf + 1;
        for (int i = 0; i < count; i++)
        {
            if (validity is not null && !validity.IsValid(i))
            {
                ordinals[i] = 0;
                continue;
            }
            byte kind = kinds is null ? (byte)0 : kinds[i];
            ulong o = kind switch
            {
                (byte)NumericKind.NegativeInfinity => 0,
                (byte)NumericKind.PositiveInfinity => posInf,
                (byte)NumericKind.NaN => nan,
                _ => below + (ulong)(UInt128)(Scaled(c, i, scale) - lo),
            };
            ordinals[i] = o;
            if (o > max) max = o;
        }
        return true;
    }

    private static Int128 Scaled(DecimalColumn c, int row, int scale)
    {
        TryScaled(c, row, scale, out var v);
        return v;
    }

    /// <summary>Row <paramref name="row"/>'s unscaled value at <paramref name="scale"/> (not below its own).</summary>
    private static bool TryScaled(DecimalColumn c, int row, int scale, out Int128 value)
    {
        value = c.Values[row];
        int up = scale - c.ScaleAt(row);
        for (; up > 0; up--)
        {
            if (value > Int128.MaxValue / 10 || value < Int128.MinValue / 10) return false;
            value *= 10;
        }
        return true;
    }

    /// <summary>
    /// Up to 8 bytes of <paramref name="text"/> from <paramref name="from"/>, big-endian, zero-padded:
    /// comparing these words compares the bytes as memcmp does (text holds no zero bytes).
    /// </summary>
    public static ulong TextWord(ReadOnlySpan<byte> text, int from)
    {
        if (text.Length >= from + 8) return BinaryPrimitives.ReadUInt64BigEndian(text.Slice(from, 8));
        ulong w = 0;
        for (int k = 0; k < 8; k++) w = (w << 8) | (from + k < text.Length ? text[from + k] : 0UL);
        return w;
    }
}
