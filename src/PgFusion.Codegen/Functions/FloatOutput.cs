using System.Globalization;
using System.Numerics;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Values;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// float4out and float8out (float.c). With extra_float_digits above 0 (PostgreSQL's default is 1):
/// the shortest decimal strictly inside the interval of values that read back as the same float,
/// nearest to the exact value (ties to even), printed in fixed notation when its decimal exponent
/// is in -4..14 (float8) or -4..5 (float4), else as d.ddde+XX with at least two exponent digits
/// (common/d2s.c and f2s.c's facts). NaN, Infinity, -Infinity and -0 as PostgreSQL spells them.
/// PostgreSQL's Ryu excludes the interval's ends; .NET's round-trip ("R") text is the same shortest
/// decimal when it reads back as the value and does not lie exactly on an end (<see cref="OnBoundary"/>);
/// otherwise the exact search <see cref="ShortestInside"/> gives it. With extra_float_digits 0 or
/// below: C's %g with 15 (float8) or 6 (float4) plus extra_float_digits significant digits (<see cref="Rounded"/>).
/// </summary>
public static class FloatOutput
{
    /// <summary>The IEEE layout and PostgreSQL's output constants of float8 or float4.</summary>
    private sealed record Layout(int MantissaBits, int ExponentBits, int Bias, int MaxDigits, int Digits);

    /// <summary>float8: 52 + 11 bits, 17 digits round-trip, DBL_DIG 15 (also the fixed-notation limit).</summary>
    private static readonly Layout Double = new(52, 11, 1075, 17, 15);

    /// <summary>float4: 23 + 8 bits, 9 digits round-trip, FLT_DIG 6.</summary>
    private static readonly Layout Single = new(23, 8, 150, 9, 6);

    /// <param name="extraDigits">extra_float_digits, a constant the planner adds: above 0 the shortest exact text, else %.{15 + extraDigits}g.</param>
    public static TextRef Float8Out(KernelContext ctx, double v, int extraDigits)
    {
        if (Special(ctx, v, extraDigits, Double) is { } special) return special;
        string roundTrip = Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        bool readsBack = double.Parse(roundTrip, CultureInfo.InvariantCulture) == Math.Abs(v);
        return ShortestText(ctx, roundTrip, readsBack, BitConverter.DoubleToUInt64Bits(v), v < 0, Double);
    }

    /// <param name="extraDigits">extra_float_digits: above 0 the shortest exact text, else %.{6 + extraDigits}g.</param>
    public static TextRef Float4Out(KernelContext ctx, float v, int extraDigits)
    {
        if (Special(ctx, v, extraDigits, Single) is { } special) return special;
        string roundTrip = Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        bool readsBack = float.Parse(roundTrip, CultureInfo.InvariantCulture) == Math.Abs(v);
        return ShortestText(ctx, roundTrip, readsBack, BitConverter.SingleToUInt32Bits(v), v < 0, Single);
    }

    /// <summary>
    /// The text of the values that need no shortest-digit search: NaN, ±Infinity, ±0, and every value
    /// when extra_float_digits is 0 or below (%g). A float4 widens to double exactly, so one path serves both.
    /// </summary>
    private static TextRef? Special(KernelContext ctx, double v, int extraDigits, Layout layout)
    {
        if (double.IsNaN(v)) return TextOutput.Write(ctx, "NaN");
        if (double.IsInfinity(v)) return TextOutput.Write(ctx, v > 0 ? "Infinity" : "-Infinity");
        if (extraDigits <= 0) return TextOutput.Write(ctx, Rounded(v, Math.Max(1, layout.Digits + extraDigits)));
        if (v == 0) return TextOutput.Write(ctx, double.IsNegative(v) ? "-0" : "0");
        return null;
    }

    /// <summary>The shortest text of a finite non-zero value given by its IEEE bits (sign bit included).</summary>
    private static TextRef ShortestText(KernelContext ctx, string roundTrip, bool readsBack, ulong bits, bool negative, Layout layout)
    {
        ulong mantissa = bits & ((1UL << layout.MantissaBits) - 1);
        int exponent = (int)((bits >> layout.MantissaBits) & ((1UL << layout.ExponentBits) - 1));
        var (digits, power) = Shortest(roundTrip, readsBack, mantissa, exponent, layout.MantissaBits, layout.Bias, layout.MaxDigits);
        Span<char> buffer = stackalloc char[40];
        return TextOutput.Write(ctx, Format(digits, power, negative, fixedBelow: layout.Digits, buffer));
    }

    /// <summary>
    /// C's %.{precision}g of a finite double as glibc prints it: the exact binary value rounded to
    /// <paramref name="precision"/> significant digits, ties to even; fixed notation when the rounded
    /// value's decimal exponent X satisfies -4 &lt;= X &lt; precision, else d.ddde+XX; trailing zeros
    /// and a bare point removed.
    /// </summary>
    internal static string Rounded(double v, int precision)
    {
        bool negative = double.IsNegative(v);
        if (v == 0) return negative ? "-0" : "0";
        ulong bits = BitConverter.DoubleToUInt64Bits(Math.Abs(v));
        int ieeeExponent = (int)(bits >> 52);
        ulong m = ieeeExponent == 0 ? bits & ((1UL << 52) - 1) : (bits & ((1UL << 52) - 1)) | (1UL << 52);
        int e = ieeeExponent == 0 ? -1074 : ieeeExponent - 1075;
        // the exact value as an integer N times 10^shift
        BigInteger n = e >= 0 ? (BigInteger)m << e : m * BigInteger.Pow(5, -e);
        int shift = e >= 0 ? 0 : e;
        string all = n.ToString(CultureInfo.InvariantCulture);
        int first = all.Length - 1 + shift; // decimal exponent of the first digit
        BigInteger kept;
        if (all.Length <= precision)
            kept = n * BigInteger.Pow(10, precision - all.Length);
        else
        {
            var divisor = BigInteger.Pow(10, all.Length - precision);
            kept = BigInteger.DivRem(n, divisor, out var rest);
            int half = (2 * rest).CompareTo(divisor);
            if (half > 0 || (half == 0 && !kept.IsEven)) kept += 1;
        }
        string digits = kept.ToString(CultureInfo.InvariantCulture);
        if (digits.Length > precision) // rounding carried into a new digit (9.99 -> 10.0)
        {
            digits = digits[..precision];
            first++;
        }
        var text = new System.Text.StringBuilder();
        if (negative) text.Append('-');
        if (first >= -4 && first < precision)
        {
            string body = first >= 0
                ? digits[..(first + 1)] + "." + digits[(first + 1)..]
                : "0." + new string('0', -first - 1) + digits;
            body = body.TrimEnd('0').TrimEnd('.');
            text.Append(body);
        }
        else
        {
            string mantissa = (digits[..1] + "." + digits[1..]).TrimEnd('0').TrimEnd('.');
            text.Append(mantissa).Append('e').Append(first < 0 ? '-' : '+');
            int magnitude = Math.Abs(first);
            text.Append(magnitude < 10 ? "0" + magnitude : magnitude.ToString(CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    /// <summary>
    /// The shortest decimal digits × 10^exponent of a positive finite value given by its IEEE
    /// fields, as PostgreSQL's Ryu picks them; <paramref name="roundTrip"/> is .NET's "R" text of
    /// it, and <paramref name="readsBack"/> whether that text parses back to the value (it does not
    /// always for powers of two, whose next value down is closer: 2^-958 gives 4.104536801298376e-289,
    /// which reads as the value below).
    /// </summary>
    internal static (ulong Digits, int Exponent) Shortest(string roundTrip, bool readsBack, ulong ieeeMantissa, int ieeeExponent, int mantissaBits, int bias, int maxDigits)
    {
        var (digits, exponent) = Parse(roundTrip);
        ulong m = ieeeExponent == 0 ? ieeeMantissa : ieeeMantissa | (1UL << mantissaBits);
        int e = ieeeExponent == 0 ? 1 - bias : ieeeExponent - bias; // value = m * 2^e
        bool narrowBelow = ieeeMantissa == 0 && ieeeExponent > 1;   // the next value down is half as far
        if (!readsBack) return ShortestInside(m, e, narrowBelow, maxDigits);
        // .NET may include the ends (for even mantissas, as IEEE round-half-even reading allows); PostgreSQL never does.
        bool onEnd = OnBoundary(digits, exponent, (2 * m) + 1, e - 1)
            || (narrowBelow ? OnBoundary(digits, exponent, (4 * m) - 1, e - 2) : OnBoundary(digits, exponent, (2 * m) - 1, e - 1));
        return onEnd ? ShortestInside(m, e, narrowBelow, maxDigits) : (digits, exponent);
    }

    /// <summary>Whether digits × 10^exponent equals odd × 2^power exactly (odd is odd).</summary>
    internal static bool OnBoundary(ulong digits, int exponent, ulong odd, int power)
    {
        int twos = System.Numerics.BitOperations.TrailingZeroCount(digits);
        ulong oddDigits = digits >> twos;
        if (twos + exponent != power) return false; // the powers of two must agree
        if (exponent >= 0)
        {
            // oddDigits * 5^exponent == odd
            UInt128 product = oddDigits;
            for (int i = 0; i < exponent; i++)
            {
                product *= 5;
                if (product > odd) return false;
            }
            return product == odd;
        }
        // oddDigits == odd * 5^-exponent
        UInt128 scaled = odd;
        for (int i = 0; i < -exponent; i++)
        {
            scaled *= 5;
            if (scaled > oddDigits) return false;
        }
        return scaled == oddDigits;
    }

    /// <summary>
    /// The exact search, for the rare values whose nearest shortest decimal lies on an end of their
    /// interval: the fewest digits with a decimal strictly inside, and of the (at most two)
    /// candidates the nearer to the value, ties to the even one.
    /// </summary>
    internal static (ulong Digits, int Exponent) ShortestInside(ulong m, int e, bool narrowBelow, int maxDigits)
    {
        // Everything in units of 2^(e-2) over a common denominator: value 4m, ends 4m+2 and 4m-2 (4m-1 when narrow).
        BigInteger scale = e - 2 >= 0 ? BigInteger.One << (e - 2) : BigInteger.One;
        BigInteger denominator = e - 2 >= 0 ? BigInteger.One : BigInteger.One << (2 - e);
        BigInteger value = 4 * (BigInteger)m * scale, high = ((4 * (BigInteger)m) + 2) * scale;
        BigInteger low = ((4 * (BigInteger)m) - (narrowBelow ? 1 : 2)) * scale;
        int top = (int)Math.Floor(BigInteger.Log10(value) - BigInteger.Log10(denominator));
        while (Compare(BigInteger.One, top, value, denominator) > 0) top--;
        while (Compare(BigInteger.One, top + 1, value, denominator) <= 0) top++;
        for (int length = 1; length <= maxDigits + 1; length++)
        {
            int unit = top - length + 1;
            // q = floor(value / 10^unit), as exact integers
            BigInteger num = unit >= 0 ? value : value * BigInteger.Pow(10, -unit);
            BigInteger den = unit >= 0 ? denominator * BigInteger.Pow(10, unit) : denominator;
            BigInteger q = BigInteger.DivRem(num, den, out var remainder);
            bool lowInside = Inside(q, unit, low, high, denominator);
            bool highInside = Inside(q + 1, unit, low, high, denominator);
            if (!lowInside && !highInside) continue;
            BigInteger chosen;
            if (lowInside && highInside)
            {
                int c = (2 * remainder).CompareTo(den);
                chosen = c < 0 || (c == 0 && q.IsEven) ? q : q + 1;
            }
            else chosen = lowInside ? q : q + 1;
            while (!chosen.IsZero && (chosen % 10).IsZero)
            {
                chosen /= 10;
                unit++;
            }
            return ((ulong)chosen, unit);
        }
        throw new InvalidOperationException("no shortest decimal found"); // unreachable: maxDigits + 1 digits always fit
    }

    private static bool Inside(BigInteger candidate, int unit, BigInteger low, BigInteger high, BigInteger denominator)
    {
        // low/denominator < candidate * 10^unit < high/denominator
        return Compare(candidate, unit, low, denominator) > 0 && Compare(candidate, unit, high, denominator) < 0;
    }

    /// <summary>Compares a × 10^unit with b / denominator.</summary>
    private static int Compare(BigInteger a, int unit, BigInteger b, BigInteger denominator) =>
        unit >= 0
            ? (a * BigInteger.Pow(10, unit) * denominator).CompareTo(b)
            : (a * denominator).CompareTo(b * BigInteger.Pow(10, -unit));

    /// <summary>.NET's round-trip text ("1.5E-05", "123.25", "1E+16") as digits × 10^exponent without trailing zeros.</summary>
    private static (ulong Digits, int Exponent) Parse(string roundTrip)
    {
        ulong digits = 0;
        int fractionDigits = 0, exponent = 0;
        bool afterPoint = false;
        for (int i = 0; i < roundTrip.Length; i++)
        {
            char c = roundTrip[i];
            if (c == '.') afterPoint = true;
            else if (c is 'E' or 'e')
            {
                exponent = int.Parse(roundTrip.AsSpan(i + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                break;
            }
            else if (c is >= '0' and <= '9')
            {
                digits = (digits * 10) + (ulong)(c - '0');
                if (afterPoint) fractionDigits++;
            }
        }
        exponent -= fractionDigits;
        while (digits != 0 && digits % 10 == 0)
        {
            digits /= 10;
            exponent++;
        }
        return (digits, exponent);
    }

    /// <summary>PostgreSQL's spelling of digits × 10^exponent (no trailing zeros in digits): fixed or d.ddde+XX.</summary>
    internal static ReadOnlySpan<char> Format(ulong digits, int exponent, bool negative, int fixedBelow, Span<char> output)
    {
        Span<char> significant = stackalloc char[20];
        int length = 0;
        for (ulong d = digits; d > 0; d /= 10) significant[length++] = (char)('0' + (int)(d % 10));
        significant[..length].Reverse();
        significant = significant[..length];
        int n = 0;
        if (negative) output[n++] = '-';
        int first = exponent + length - 1; // decimal exponent of the first digit
        if (first >= -4 && first < fixedBelow)
        {
            if (first < 0)
            {
                output[n++] = '0';
                output[n++] = '.';
                for (int z = -1; z > first; z--) output[n++] = '0';
                significant.CopyTo(output[n..]);
                return output[..(n + length)];
            }
            for (int k = 0; k <= first; k++) output[n++] = k < length ? significant[k] : '0';
            if (length > first + 1)
            {
                output[n++] = '.';
                significant[(first + 1)..].CopyTo(output[n..]);
                n += length - first - 1;
            }
            return output[..n];
        }
        output[n++] = significant[0];
        if (length > 1)
        {
            output[n++] = '.';
            significant[1..].CopyTo(output[n..]);
            n += length - 1;
        }
        output[n++] = 'e';
        output[n++] = first < 0 ? '-' : '+';
        int magnitude = Math.Abs(first);
        if (magnitude >= 100) output[n++] = (char)('0' + magnitude / 100);
        output[n++] = (char)('0' + magnitude / 10 % 10);
        output[n++] = (char)('0' + magnitude % 10);
        return output[..n];
    }
}
