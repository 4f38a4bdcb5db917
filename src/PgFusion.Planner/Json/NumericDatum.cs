using System.Buffers.Binary;
using System.Numerics;
using PgFusion.Types;

namespace PgFusion.Planner.Json;

/// <summary>
/// Decodes the payload of a numeric varlena (after its header) into a <see cref="PgNumeric"/>,
/// exactly per utils/adt/numeric.c (POSTGRES_FORMATS.md): short or long header, base-10000 digits.
/// </summary>
public static class NumericDatum
{
    private const ushort SignMask = 0xC000;
    private const ushort Negative = 0x4000;
    private const ushort Short = 0x8000;
    private const ushort Special = 0xC000;
    private const ushort NaN = 0xC000;
    private const ushort PositiveInfinity = 0xD000;
    private const ushort NegativeInfinity = 0xF000;

    public static PgNumeric Decode(ReadOnlySpan<byte> payload, string path)
    {
        if (payload.Length < 2) throw new QueryJsonException(path, "numeric datum shorter than its header");
        ushort header = BinaryPrimitives.ReadUInt16LittleEndian(payload);
        bool negative;
        int dscale, weight, digitsStart;
        if ((header & SignMask) == Short)
        {
            negative = (header & 0x2000) != 0;
            dscale = (header & 0x1F80) >> 7;
            weight = (header & 0x0040) != 0 ? ~0x003F | (header & 0x003F) : header & 0x003F;
            digitsStart = 2;
        }
        else if ((header & SignMask) == Special)
        {
            return header switch
            {
                NaN => PgNumeric.NaN,
                PositiveInfinity => PgNumeric.PositiveInfinity,
                NegativeInfinity => PgNumeric.NegativeInfinity,
                _ => throw new QueryJsonException(path, $"numeric special value 0x{header:X4} is unknown"),
            };
        }
        else
        {
            if (payload.Length < 4) throw new QueryJsonException(path, "long numeric datum shorter than its header");
            negative = (header & SignMask) == Negative;
            dscale = header & 0x3FFF;
            weight = BinaryPrimitives.ReadInt16LittleEndian(payload[2..]);
            digitsStart = 4;
        }
        var digits = payload[digitsStart..];
        if (digits.Length % 2 != 0) throw new QueryJsonException(path, "numeric datum with an odd number of digit bytes");
        int ndigits = digits.Length / 2;
        BigInteger n = BigInteger.Zero;
        for (int i = 0; i < ndigits; i++)
        {
            short d = BinaryPrimitives.ReadInt16LittleEndian(digits[(2 * i)..]);
            if (d is < 0 or > 9999) throw new QueryJsonException(path, $"numeric digit {d} outside 0..9999");
            n = n * 10000 + d;
        }
        // value = n * 10000^(weight - ndigits + 1); unscaled = value * 10^dscale.
        int exponent10 = 4 * (weight - ndigits + 1) + dscale;
        BigInteger unscaled = exponent10 >= 0 ? n * BigInteger.Pow(10, exponent10) : n / BigInteger.Pow(10, -exponent10);
        if (negative) unscaled = -unscaled;
        short scale = checked((short)dscale);
        return BigInteger.Abs(unscaled) <= (BigInteger)Int128.MaxValue
            ? new PgNumeric((Int128)unscaled, scale)
            : new PgNumeric(0, scale, NumericKind.Finite, unscaled);
    }
}
