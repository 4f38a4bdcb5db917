namespace PgFusion.HeapDecoder.Numeric;

/// <summary>
/// PostgreSQL 15's on-disk numeric (utils/adt/numeric.c): a u16 header, for the long form an
/// i16 weight, then base-10000 digits as i16. value = sum digit[i] * 10000^(weight - i).
/// </summary>
internal static class NumericFormat
{
    public const int SignMask = 0xC000;
    public const int Negative = 0x4000;
    public const int Short = 0x8000;
    public const int Special = 0xC000;

    /// <summary>NaN, +Infinity, -Infinity: the high nibble of a special header.</summary>
    public const int ExtSignMask = 0xF000;
    public const int NaN = 0xC000;
    public const int PositiveInfinity = 0xD000;
    public const int NegativeInfinity = 0xF000;

    public const int ShortSign = 0x2000;
    public const int ShortDscaleMask = 0x1F80;
    public const int ShortDscaleShift = 7;
    public const int ShortWeightSign = 0x0040;
    public const int ShortWeightMask = 0x003F;

    public const int LongDscaleMask = 0x3FFF;

    public const int Base = 10000;
    public const int DigitsPerBaseDigit = 4;
}
