using System.Buffers.Binary;
using System.Numerics;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Output;

/// <summary>
/// numeric's on-disk payload (the bytes after the varlena header) in the canonical form
/// numeric.c's make_result writes: base-10000 digits without leading or trailing zeros, zero as
/// no digits with weight 0 and positive sign, the short header when dscale &lt;= 63 and weight is
/// in [-64, 63], and the 2-byte special headers for NaN (0xC000), +Infinity (0xD000) and
/// -Infinity (0xF000).
/// </summary>
public static class NumericEncoding
{
    private const ushort Short = 0x8000;
    private const ushort ShortSign = 0x2000;
    private const int ShortDscaleShift = 7;
    private const ushort ShortWeightSign = 0x0040;
    private const ushort ShortWeightMask = 0x003F;
    private const ushort Neg = 0x4000;

    /// <summary>Upper bound of the payload size.</summary>
    public static int MaxSize(PgNumeric v) =>
        v.Big is { } b ? 4 + 2 * ((int)(b.GetBitLength() / 13) + v.Scale / 4 + 4) : 4 + 2 * 14;

    /// <summary>Writes the payload of <paramref name="v"/> to <paramref name="dest"/>; returns its length.</summary>
    public static int Write(PgNumeric v, Span<byte> dest)
    {
        switch (v.Kind)
        {
            case NumericKind.NaN: BinaryPrimitives.WriteUInt16LittleEndian(dest, 0xC000); return 2;
            case NumericKind.PositiveInfinity: BinaryPrimitives.WriteUInt16LittleEndian(dest, 0xD000); return 2;
            case NumericKind.NegativeInfinity: BinaryPrimitives.WriteUInt16LittleEndian(dest, 0xF000); return 2;
        }
        int dscale = v.Scale;
        int pad = (4 - dscale % 4) % 4;
        Span<short> small = stackalloc short[16];
        short[]? large = null;
        bool negative;
        int n; // digits, least significant first
        if (v.Big is null && v.Unscaled != Int128.MinValue && Int128.Abs(v.Unscaled) <= (Int128)(UInt128.MaxValue / 1000))
        {
            negative = v.Unscaled < 0;
            UInt128 mag = (UInt128)Int128.Abs(v.Unscaled);
            for (int p = 0; p < pad; p++) mag *= 10;
            n = 0;
            while (mag != 0)
            {
                (mag, UInt128 rem) = UInt128.DivRem(mag, 10000);
                small[n++] = (short)(ushort)rem;
            }
        }
        else
        {
            var big = v.UnscaledBig;
            negative = big.Sign < 0;
            var mag = BigInteger.Abs(big) * BigInteger.Pow(10, pad);
            var list = new List<short>();
            while (!mag.IsZero)
            {
                mag = BigInteger.DivRem(mag, 10000, out var rem);
                list.Add((short)rem);
            }
            large = list.ToArray();
            n = large.Length;
        }
        Span<short> digits = large ?? small[..n];
        int weight = n - 1 - (dscale + pad) / 4;
        int low = 0;
        while (low < n && digits[low] == 0) low++;
        if (low == n)
        {
            n = 0;
            weight = 0;
            negative = false;
        }
        int off;
        if (dscale <= 63 && weight >= -64 && weight <= 63)
        {
            ushort header = (ushort)(Short | (negative ? ShortSign : 0) | (dscale << ShortDscaleShift)
                | (weight < 0 ? ShortWeightSign : 0) | (weight & ShortWeightMask));
            BinaryPrimitives.WriteUInt16LittleEndian(dest, header);
            off = 2;
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(dest, (ushort)((negative ? Neg : 0) | (dscale & 0x3FFF)));
            BinaryPrimitives.WriteInt16LittleEndian(dest[2..], (short)weight);
            off = 4;
        }
        // Most significant digit first.
        for (int d = n - 1; d >= low; d--)
        {
            BinaryPrimitives.WriteInt16LittleEndian(dest[off..], digits[d]);
            off += 2;
        }
        return off;
    }
}
