using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PgFusion.Arrow;
using PgFusion.Types;

namespace PgFusion.HeapDecoder.Numeric;

/// <summary>
/// numeric -> DecimalColumn: the value as an Int128 scaled by the column's fixed scale
/// (numeric(p &lt;= 38, s &gt;= 0)) or by the value's own dscale (kept in Scales);
/// NaN/±Infinity in Kinds; values of more than 38 digits in Big.
/// </summary>
internal sealed class NumericDecoder : Tuple.ValueDecoder
{
    private static readonly Int128 Limit = Int128.Parse("100000000000000000000000000000000000000", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly BigInteger BigLimit = (BigInteger)Limit;

    private static readonly Int128[] Pow10 = BuildPow10();

    private DecimalColumn _column = null!;
    private Int128[] _values = [];
    private short[]? _scales;
    private int _fixedScale;

    protected override void Bind(Column column, int capacity)
    {
        _column = Expect<DecimalColumn>(column);
        _column.EnsureCapacity(capacity);
        _values = _column.Values;
        _scales = _column.Scales;
        _fixedScale = _column.FixedScale;
    }

    public override void Decode(ReadOnlySpan<byte> datum, int row)
    {
        if (TryDecodeShort(datum, row)) return;
        if (datum.Length < 2) throw new Tuple.CorruptDatumException("numeric shorter than its header");
        int header = BinaryPrimitives.ReadUInt16LittleEndian(datum);
        bool negative;
        int dscale, weight, digitsStart;
        if ((header & NumericFormat.Short) != 0)
        {
            if ((header & NumericFormat.SignMask) == NumericFormat.Special)
            {
                WriteSpecial(header, datum.Length, row);
                return;
            }
            negative = (header & NumericFormat.ShortSign) != 0;
            dscale = (header & NumericFormat.ShortDscaleMask) >> NumericFormat.ShortDscaleShift;
            // 7-bit two's complement weight.
            weight = (header & NumericFormat.ShortWeightMask) - ((header & NumericFormat.ShortWeightSign) != 0 ? 64 : 0);
            digitsStart = 2;
        }
        else
        {
            if (datum.Length < 4) throw new Tuple.CorruptDatumException("long-form numeric shorter than its header");
            negative = (header & NumericFormat.Negative) != 0;
            dscale = header & NumericFormat.LongDscaleMask;
            weight = BinaryPrimitives.ReadInt16LittleEndian(datum[2..]);
            digitsStart = 4;
        }
        var digits = datum[digitsStart..];
        if ((digits.Length & 1) != 0) throw new Tuple.CorruptDatumException("numeric digits of odd byte length");
        int n = digits.Length >> 1;
        int scale = _fixedScale >= 0 ? _fixedScale : dscale;
        // unscaled = (digits as one base-10000 integer) * 10^e
        int e = NumericFormat.DigitsPerBaseDigit * (weight - n + 1) + scale;

        if (n <= 4 && e >= -18 && e <= 22)
        {
            ulong lanes = NumericScaled.LoadLanes(ref MemoryMarshal.GetReference(digits), n);
            if (NumericScaled.HasBadDigit(lanes)) throw BadDigit(lanes);
            // the lanes read as the digits times 10000^(4 - n)
            int e4 = e - (NumericFormat.DigitsPerBaseDigit * (4 - n));
            Int128 v;
            if (e4 >= 0)
            {
                v = (Int128)NumericScaled.Combine(lanes) * Pow10[e4];
            }
            else
            {
                long q = NumericScaled.DivideExact((ulong)NumericScaled.Combine(lanes), -e4);
                if (q == NumericScaled.NotDecoded) throw Inexact(dscale);
                v = q;
            }
            WriteFinite(negative ? -v : v, dscale, row);
            return;
        }
        DecodeWide(digits, n, e, negative, dscale, row);
    }

    /// <summary>
    /// The common case without BigInteger, Int128 multiplies or variable divisions: a finite
    /// short-header numeric of at most 4 base-10000 digits whose unscaled value fits a long.
    /// Anything else (or anything wrong) returns false for the general path, which reports it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryDecodeShort(ReadOnlySpan<byte> datum, int row)
    {
        int len = datum.Length;
        if (len < 2) return false;
        ref byte p = ref MemoryMarshal.GetReference(datum);
        int header = Unsafe.ReadUnaligned<ushort>(ref p);
        int dscale = (header & NumericFormat.ShortDscaleMask) >> NumericFormat.ShortDscaleShift;
        long v = NumericScaled.TryShort(ref p, len, _fixedScale >= 0 ? _fixedScale : dscale, len);
        if (v == NumericScaled.NotDecoded) return false;
        _values[row] = v;
        if (_scales is not null) _scales[row] = (short)dscale;
        if (_column.Kinds is { } kinds) kinds[row] = (byte)NumericKind.Finite;
        MarkValid(row);
        return true;
    }

    private void DecodeWide(ReadOnlySpan<byte> digits, int n, int e, bool negative, int dscale, int row)
    {
        var acc = BigInteger.Zero;
        for (int i = 0; i < n; i++)
        {
            int d = BinaryPrimitives.ReadInt16LittleEndian(digits[(2 * i)..]);
            if ((uint)d >= NumericFormat.Base) throw BadDigit(d);
            acc = acc * NumericFormat.Base + d;
        }
        if (!acc.IsZero)
        {
            if (e >= 0)
            {
                acc *= BigInteger.Pow(10, e);
            }
            else
            {
                acc = BigInteger.DivRem(acc, BigInteger.Pow(10, -e), out var remainder);
                if (!remainder.IsZero) throw Inexact(dscale);
            }
        }
        if (negative) acc = -acc;
        if (BigInteger.Abs(acc) < BigLimit)
        {
            WriteFinite((Int128)acc, dscale, row);
            return;
        }
        _values[row] = 0;
        if (_scales is not null) _scales[row] = (short)dscale;
        _column.EnsureKinds()[row] = DecimalColumn.KindBig;
        (_column.Big ??= [])[row] = acc;
        MarkValid(row);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteFinite(Int128 value, int dscale, int row)
    {
        _values[row] = value;
        if (_scales is not null) _scales[row] = (short)dscale;
        if (_column.Kinds is { } kinds) kinds[row] = (byte)NumericKind.Finite;
        MarkValid(row);
    }

    private void WriteSpecial(int header, int length, int row)
    {
        var kind = (header & NumericFormat.ExtSignMask) switch
        {
            NumericFormat.NaN => NumericKind.NaN,
            NumericFormat.PositiveInfinity => NumericKind.PositiveInfinity,
            NumericFormat.NegativeInfinity => NumericKind.NegativeInfinity,
            _ => throw new Tuple.CorruptDatumException($"numeric special header 0x{header:X4}"),
        };
        if (length != 2) throw new Tuple.CorruptDatumException("numeric NaN/Infinity with digits");
        _values[row] = 0;
        if (_scales is not null) _scales[row] = 0;
        _column.EnsureKinds()[row] = (byte)kind;
        MarkValid(row);
    }

    protected override void WriteNull(int row)
    {
        _values[row] = 0;
        if (_scales is not null) _scales[row] = 0;
        if (_column.Kinds is { } kinds) kinds[row] = 0;
    }

    private static Tuple.CorruptDatumException BadDigit(int d) => new($"numeric digit {d} outside 0..9999");

    private static Tuple.CorruptDatumException BadDigit(ulong lanes)
    {
        int d = 0;
        for (int i = 0; i < 4; i++)
        {
            // as int16, as PostgreSQL stores it
            d = (short)(lanes >> (16 * i));
            if ((uint)d >= NumericFormat.Base) break;
        }
        return BadDigit(d);
    }

    private Tuple.CorruptDatumException Inexact(int dscale) =>
        new($"numeric has digits beyond its scale (dscale {dscale}, column scale {(_fixedScale >= 0 ? _fixedScale.ToString(System.Globalization.CultureInfo.InvariantCulture) : "per value")})");

    private static Int128[] BuildPow10()
    {
        var p = new Int128[39];
        p[0] = 1;
        for (int i = 1; i < p.Length; i++) p[i] = p[i - 1] * 10;
        return p;
    }
}
