using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PgFusion.HeapDecoder.Numeric;

/// <summary>
/// The one implementation of "up to four base-10000 digits to a scaled long", shared by the
/// fast tuple walks and NumericDecoder. Branch-free on the digit count: the digits are loaded as
/// four 16-bit lanes (first digit in the low lane, missing trailing digits zero), so the lanes
/// read as one integer equal to the digits times 10000^(4 - n), and the exponent that scales it
/// is 4 * (weight - 3) + scale whatever n is. Scaling down is an exact division by 10^k done
/// with a multiply by the inverse of 5^k and a rotate (a remainder shows as a value above
/// ulong.MaxValue / 10^k: Granlund and Montgomery's divisibility test).
/// Nothing here throws: <see cref="NotDecoded"/> sends the value to the general path.
/// </summary>
internal static class NumericScaled
{
    /// <summary>No value this class returns otherwise: |value| &lt;= long.MaxValue.</summary>
    public const long NotDecoded = long.MinValue;

    /// <summary>10^k, k = 0..19 (10^19 fits a ulong).</summary>
    private static readonly ulong[] Pow10 = BuildPow10();

    /// <summary>long.MaxValue / 10^k, k = 0..18: the largest unscaled value that scales up without overflow.</summary>
    private static readonly long[] MaxBeforeScale = [.. Pow10[..19].Select(p => long.MaxValue / (long)p)];

    /// <summary>The inverse of 5^k modulo 2^64, k = 0..19.</summary>
    private static readonly ulong[] Inverse5 = BuildInverse5();

    /// <summary>ulong.MaxValue / 10^k, k = 0..19: quotients above it mean a remainder.</summary>
    private static readonly ulong[] MaxQuotient = [.. Pow10.Select(p => ulong.MaxValue / p)];

    /// <summary>
    /// A short-header finite numeric of at most 4 base-10000 digits at p (len bytes: header and
    /// digits), as the integer value * 10^scale when that is exact and fits a long; otherwise
    /// (long header, NaN/Infinity, more digits, a digit over 9999, digits beyond the scale,
    /// overflow, scale -1) <see cref="NotDecoded"/>. readable: bytes at p that lie in validated
    /// memory (at least len); with 10 or more the digits are one 8-byte load, masked to len.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long TryShort(ref byte p, int len, int scale, int readable)
    {
        if ((uint)(len - 2) > 8 || (len & 1) != 0 || scale < 0) return NotDecoded;
        int header = Unsafe.ReadUnaligned<ushort>(ref p);
        if ((header & NumericFormat.SignMask) != NumericFormat.Short) return NotDecoded;
        int n = (len - 2) >> 1;
        ulong lanes = readable >= 10
            ? Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, 2)) & LaneMask(n)
            : LoadLanes(ref Unsafe.Add(ref p, 2), n);
        // 7-bit two's complement weight
        int weight = ((header & (NumericFormat.ShortWeightSign | NumericFormat.ShortWeightMask)) ^ NumericFormat.ShortWeightSign) - NumericFormat.ShortWeightSign;
        long v = Scale(lanes, (NumericFormat.DigitsPerBaseDigit * (weight - 3)) + scale);
        if (v == NotDecoded) return NotDecoded;
        long negative = -(long)((header >> 13) & 1);
        return (v ^ negative) - negative;
    }

    /// <summary>
    /// The same as <see cref="TryShort(ref byte, int, int, int)"/> with the scaling looked up instead of computed: the
    /// table (<see cref="TableFor"/>) is for the column's scale and indexed by the header's raw
    /// 7-bit weight, so the whole path has no branch but the checks. The digits are one 8-byte
    /// load masked to the count when 10 bytes at p are readable.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long TryShort(ref byte p, int len, ScaleEntry[] table, int readable)
    {
        if ((uint)(len - 2) > 8 || (len & 1) != 0) return NotDecoded;
        int header = Unsafe.ReadUnaligned<ushort>(ref p);
        if ((header & NumericFormat.SignMask) != NumericFormat.Short) return NotDecoded;
        int n = (len - 2) >> 1;
        ulong lanes = readable >= 10
            ? MaskLanes(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, 2)), n)
            : LoadLanes(ref Unsafe.Add(ref p, 2), n);
        if (HasBadDigit(lanes)) return NotDecoded;
        // header & 0x7F < 128 = table.Length (TableFor)
        ref ScaleEntry e = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(table), header & WeightBits);
        return Apply(ref e, (ulong)Combine(lanes), header);
    }

    /// <summary>Above every d0 * 10000 + d1 of two digits (at most 99,999,999).</summary>
    public const ulong TwoLaneBound = 100_000_000;

    /// <summary>Above every <see cref="Combine"/> of four digits (at most 10^16 - 1).</summary>
    public const ulong FourLaneBound = 10_000_000_000_000_000;

    /// <summary>The header's 7-bit two's complement weight field, the index into a scale table.</summary>
    public const int WeightBits = NumericFormat.ShortWeightSign | NumericFormat.ShortWeightMask;

    /// <summary>acc (below 10^16) scaled by the entry and signed by the header; <see cref="NotDecoded"/> when inexact or too large.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Apply(ref ScaleEntry e, ulong acc, int header)
    {
        ulong q = BitOperations.RotateRight(acc * e.Multiplier, e.Rotate);
        if (acc >= e.Limit || q > e.MaxResult) return NotDecoded;
        long negative = -(long)((header >> 13) & 1);
        return ((long)q ^ negative) - negative;
    }

    /// <summary>A table that takes nothing (every Limit 0): for columns whose values carry their own scale.</summary>
    public static readonly ScaleEntry[] Never = new ScaleEntry[128];

    private static readonly ScaleEntry[]?[] Tables = new ScaleEntry[]?[64];

    /// <summary>
    /// The scaling of short numerics into a column of <paramref name="scale"/> (0 or more),
    /// per raw 7-bit weight w: the lanes read as an integer times 10000^(w - 3), so the value
    /// times 10^scale is that integer times 10^e with e = 4 (w - 3) + scale. e in 0..18:
    /// multiply, the integer below Limit = long.MaxValue / 10^e + 1 (no overflow); e in
    /// -19..-1: exact division by 10^-e (inverse of 5^-e, rotate, MaxResult catches remainders);
    /// otherwise only 0 fits (Limit 1, Multiplier 0).
    /// </summary>
    public static ScaleEntry[] TableFor(int scale)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(scale);
        if (scale < Tables.Length && Tables[scale] is { } cached) return cached;
        var table = new ScaleEntry[128];
        for (int raw = 0; raw < table.Length; raw++)
        {
            int weight = (raw ^ NumericFormat.ShortWeightSign) - NumericFormat.ShortWeightSign;
            long e = ((long)NumericFormat.DigitsPerBaseDigit * (weight - 3)) + scale;
            table[raw] = EntryFor(e);
        }
        if (scale < Tables.Length) Tables[scale] = table;
        return table;
    }

    /// <summary>
    /// How an unsigned integer becomes value * 10^e with <see cref="Apply"/>'s checks: e in
    /// 0..18 a multiply (the integer below Limit, no overflow), e in -19..-1 an exact division
    /// (inverse of 5^-e and a rotate; MaxResult catches remainders), otherwise only 0 fits.
    /// </summary>
    public static ScaleEntry EntryFor(long e) => e switch
    {
        >= 0 and <= 18 => new ScaleEntry { Multiplier = Pow10[e], Rotate = 0, Limit = (ulong)MaxBeforeScale[e] + 1, MaxResult = ulong.MaxValue },
        < 0 and >= -19 => new ScaleEntry { Multiplier = Inverse5[-e], Rotate = (int)-e, Limit = ulong.MaxValue, MaxResult = MaxQuotient[-e] },
        _ => new ScaleEntry { Multiplier = 0, Rotate = 0, Limit = 1, MaxResult = ulong.MaxValue },
    };

    /// <summary>True when one of two 16-bit lanes holds more than 9999 (as <see cref="HasBadDigit"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasBadDigit2(uint lanes) => BadDigitBits2(lanes) != 0;

    /// <summary>Non-zero when one of two 16-bit lanes holds more than 9999 (HasBadDigit2 as a word).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong BadDigitBits2(uint lanes) => (lanes | (lanes + 0x58F0_58F0U)) & 0x8000_8000U;

    /// <summary>The low <paramref name="bits"/> (0-64, a multiple of 16) bits of raw (one bzhi where BMI2 is there).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MaskBits(ulong raw, int bits) =>
        System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported ? System.Runtime.Intrinsics.X86.Bmi2.X64.ZeroHighBits(raw, (uint)bits) : raw & LaneMask(bits >> 4);

    /// <summary>The low n (0-4) 16-bit lanes of raw (one bzhi where BMI2 is there).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MaskLanes(ulong raw, int n) =>
        System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported ? System.Runtime.Intrinsics.X86.Bmi2.X64.ZeroHighBits(raw, (uint)(16 * n)) : raw & LaneMask(n);

    /// <summary>The low n 16-bit lanes set: ((1 &lt;&lt; 8n) &lt;&lt; 8n) - 1 is all ones for n = 4 and 0 for n = 0 without a shift by 64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong LaneMask(int n) => ((1UL << (8 * n)) << (8 * n)) - 1;

    /// <summary>n (at most 4) digits at p as lanes, one 2-byte load each (near the end of the readable memory).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong LoadLanes(ref byte p, int n)
    {
        ulong lanes = 0;
        for (int i = 0; i < n; i++) lanes |= (ulong)Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref p, 2 * i)) << (16 * i);
        return lanes;
    }

    /// <summary>True when a lane holds more than 9999 (for lanes below 0x8000, adding 0x58F0 sets bit 15 exactly when the lane is 10000 or more).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasBadDigit(ulong lanes) => BadDigitBits(lanes) != 0;

    /// <summary>Non-zero when one of four 16-bit lanes holds more than 9999 (HasBadDigit as a word).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong BadDigitBits(ulong lanes) => (lanes | (lanes + 0x58F0_58F0_58F0_58F0UL)) & 0x8000_8000_8000_8000UL;

    /// <summary>
    /// The four lanes as one integer, first lane most significant (below 10^16 when every lane
    /// is a digit; callers check that first: pmaddwd reads the lanes as signed 16-bit).
    /// With SSE2 one pmaddwd makes the two pairs d0 * 10^4 + d1 and d2 * 10^4 + d3, and one
    /// multiply joins them (instead of three multiplies and the lane extraction).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Combine(ulong lanes)
    {
        if (Sse2.X64.IsSupported)
        {
            var pairs = Sse2.MultiplyAddAdjacent(Vector128.CreateScalarUnsafe(lanes).AsInt16(), Vector128.Create((short)10_000, 1, 10_000, 1, 0, 0, 0, 0));
            ulong both = Sse2.X64.ConvertToUInt64(pairs.AsUInt64());
            return ((long)(uint)both * 100_000_000L) + (long)(both >> 32);
        }
        return ((long)(lanes & 0xFFFF) * 1_000_000_000_000L) + ((long)((lanes >> 16) & 0xFFFF) * 100_000_000L)
            + ((long)((lanes >> 32) & 0xFFFF) * 10_000L) + (long)(lanes >> 48);
    }

    /// <summary>
    /// Digit lanes times 10^e4 as a long when every lane is a digit, the result is an integer
    /// and it fits; otherwise <see cref="NotDecoded"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Scale(ulong lanes, int e4)
    {
        if (HasBadDigit(lanes)) return NotDecoded;
        long acc = Combine(lanes);
        if (e4 < 0) return DivideExact((ulong)acc, -e4);
        if (e4 > 18) return acc == 0 ? 0 : NotDecoded;
        if (acc > MaxBeforeScale[e4]) return NotDecoded;
        return acc * (long)Pow10[e4];
    }

    /// <summary>value / 10^k when 10^k divides it, else <see cref="NotDecoded"/> (value below 10^16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long DivideExact(ulong value, int k)
    {
        // beyond 10^19 only 0 divides exactly (value < 10^16)
        if (k > 19) return value == 0 ? 0 : NotDecoded;
        ulong q = BitOperations.RotateRight(value * Inverse5[k], k);
        return q <= MaxQuotient[k] ? (long)q : NotDecoded;
    }

    private static ulong[] BuildPow10()
    {
        var p = new ulong[20];
        p[0] = 1;
        for (int i = 1; i < p.Length; i++) p[i] = p[i - 1] * 10;
        return p;
    }

    private static ulong[] BuildInverse5()
    {
        var inv = new ulong[20];
        ulong five = 1;
        for (int k = 0; k < inv.Length; k++)
        {
            // Newton's iteration for an odd d's inverse mod 2^64: x = d is right to 3 bits, each step doubles them
            ulong x = five;
            for (int i = 0; i < 5; i++) x *= 2 - (five * x);
            inv[k] = x;
            five *= 5;
        }
        return inv;
    }
}

/// <summary>One row of <see cref="NumericScaled.TableFor"/>: how digits of one weight become a column's scaled integer.</summary>
internal struct ScaleEntry
{
    public ulong Multiplier;

    /// <summary>The digits' integer must be below this (else the result overflows; 0 and 1 admit nothing and only zero).</summary>
    public ulong Limit;

    /// <summary>The rotated product must not exceed this (a larger one means a remainder).</summary>
    public ulong MaxResult;

    public int Rotate;
}
