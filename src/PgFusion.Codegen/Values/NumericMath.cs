using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using PgFusion.Types;

namespace PgFusion.Codegen.Values;

/// <summary>
/// PostgreSQL numeric arithmetic (utils/adt/numeric.c) on PgNumeric: exact add/sub/mul with the
/// result dscale numeric.c gives, division with select_div_scale and round-half-away-from-zero,
/// and the NaN / ±Infinity rules. Int128 on the fast path, BigInteger past 38 digits.
/// </summary>
public static partial class NumericMath
{
    /// <summary>numeric.c: NUMERIC_MIN_SIG_DIGITS, DEC_DIGITS, NUMERIC_MAX_DISPLAY_SCALE, NUMERIC_DSCALE_MAX.</summary>
    public const int MinSigDigits = 16;
    public const int DecDigits = 4;
    public const int MaxDisplayScale = 1000;
    public const int DscaleMax = 0x3FFF;

    private static readonly Int128[] Pow10Table = BuildPow10();

    private static Int128[] BuildPow10()
    {
        var t = new Int128[39];
        t[0] = 1;
        for (int i = 1; i < t.Length; i++) t[i] = t[i - 1] * 10;
        return t;
    }

    public static readonly PgNumeric Zero = new(0, 0);

    public static Int128 Pow10(int n) => Pow10Table[n];

    public static BigInteger BigPow10(int n) => BigInteger.Pow(10, n);

    /// <summary>A finite numeric from a BigInteger, kept in Int128 when it fits.</summary>
    public static PgNumeric FromBig(BigInteger unscaled, int scale)
    {
        if (scale > DscaleMax) PgErrors.Raise(PgErrors.NumericValueOutOfRange, "value overflows numeric format");
        if (unscaled >= (BigInteger)Int128.MinValue + 1 && unscaled <= (BigInteger)Int128.MaxValue)
            return new PgNumeric((Int128)unscaled, (short)scale);
        return new PgNumeric(0, (short)scale, NumericKind.Finite, unscaled);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryRescale(Int128 value, int by, out Int128 result)
    {
        if (by == 0)
        {
            result = value;
            return true;
        }
        if (by > 38)
        {
            result = 0;
            return value == 0;
        }
        Int128 p = Pow10Table[by];
        Int128 limit = Int128.MaxValue / p;
        if (value > limit || value < -limit)
        {
            result = 0;
            return false;
        }
        result = value * p;
        return true;
    }

    // ------------------------------------------------------------------ add / sub

    public static PgNumeric Add(PgNumeric a, PgNumeric b)
    {
        if (!a.IsFinite || !b.IsFinite)
        {
            if (a.Kind == NumericKind.NaN || b.Kind == NumericKind.NaN) return PgNumeric.NaN;
            if (a.Kind == NumericKind.PositiveInfinity) return b.Kind == NumericKind.NegativeInfinity ? PgNumeric.NaN : a;
            if (a.Kind == NumericKind.NegativeInfinity) return b.Kind == NumericKind.PositiveInfinity ? PgNumeric.NaN : a;
            return b;
        }
        int scale = Math.Max(a.Scale, b.Scale);
        if (a.Big is null && b.Big is null
            && TryRescale(a.Unscaled, scale - a.Scale, out var x) && TryRescale(b.Unscaled, scale - b.Scale, out var y))
        {
            Int128 r = x + y;
            if (((x ^ r) & (y ^ r)) >= 0 && r != Int128.MinValue) return new PgNumeric(r, (short)scale);
        }
        return FromBig(a.UnscaledBig * BigPow10(scale - a.Scale) + b.UnscaledBig * BigPow10(scale - b.Scale), scale);
    }

    public static PgNumeric Negate(PgNumeric a) => a.Kind switch
    {
        NumericKind.NaN => a,
        NumericKind.PositiveInfinity => PgNumeric.NegativeInfinity,
        NumericKind.NegativeInfinity => PgNumeric.PositiveInfinity,
        _ => a.Big is { } big ? FromBig(-big, a.Scale) : new PgNumeric(-a.Unscaled, a.Scale),
    };

    public static PgNumeric Sub(PgNumeric a, PgNumeric b) => Add(a, Negate(b));

    // ------------------------------------------------------------------ mul

    public static PgNumeric Mul(PgNumeric a, PgNumeric b)
    {
        if (!a.IsFinite || !b.IsFinite)
        {
            if (a.Kind == NumericKind.NaN || b.Kind == NumericKind.NaN) return PgNumeric.NaN;
            int sa = Sign(a), sb = Sign(b);
            if (sa == 0 || sb == 0) return PgNumeric.NaN; // Inf * 0
            return sa * sb > 0 ? PgNumeric.PositiveInfinity : PgNumeric.NegativeInfinity;
        }
        int scale = a.Scale + b.Scale;
        if (a.Big is null && b.Big is null && scale <= DscaleMax)
        {
            Int128 x = a.Unscaled, y = b.Unscaled;
            if (x >= long.MinValue && x <= long.MaxValue && y >= long.MinValue && y <= long.MaxValue)
                return new PgNumeric(x * y, (short)scale);
        }
        var product = a.UnscaledBig * b.UnscaledBig;
        if (scale > DscaleMax)
        {
            product = RoundBig(product, scale - DscaleMax);
            scale = DscaleMax;
        }
        return FromBig(product, scale);
    }

    /// <summary>value / 10^digits rounded half away from zero.</summary>
    private static BigInteger RoundBig(BigInteger value, int digits)
    {
        var p = BigPow10(digits);
        var q = BigInteger.DivRem(BigInteger.Abs(value), p, out var rem);
        if (rem * 2 >= p) q += 1;
        return value.Sign < 0 ? -q : q;
    }

    // ------------------------------------------------------------------ div / mod

    public static PgNumeric Div(PgNumeric a, PgNumeric b)
    {
        if (!a.IsFinite || !b.IsFinite)
        {
            if (a.Kind == NumericKind.NaN || b.Kind == NumericKind.NaN) return PgNumeric.NaN;
            if (!a.IsFinite)
            {
                if (!b.IsFinite) return PgNumeric.NaN;
                int sb = Sign(b);
                if (sb == 0) PgErrors.DivideByZero();
                bool pos = (a.Kind == NumericKind.PositiveInfinity) == (sb > 0);
                return pos ? PgNumeric.PositiveInfinity : PgNumeric.NegativeInfinity;
            }
            return Zero; // finite / ±Inf
        }
        if (Sign(b) == 0) PgErrors.DivideByZero();
        int rscale = SelectDivScale(a, b);
        int k = rscale - a.Scale + b.Scale; // >= 0 because rscale >= a.Scale
        if (a.Big is null && b.Big is null && TryRescale(Int128.Abs(a.Unscaled), k, out var num))
        {
            Int128 den = Int128.Abs(b.Unscaled);
            Int128 q = Int128.DivRem(num, den).Quotient;
            Int128 rem = num - q * den;
            if (rem >= den - rem) q += 1;
            bool neg = (a.Unscaled < 0) != (b.Unscaled < 0);
            return new PgNumeric(neg ? -q : q, (short)rscale);
        }
        var bnum = BigInteger.Abs(a.UnscaledBig) * BigPow10(k);
        var bden = BigInteger.Abs(b.UnscaledBig);
        var bq = BigInteger.DivRem(bnum, bden, out var brem);
        if (brem * 2 >= bden) bq += 1;
        bool bneg = (a.UnscaledBig.Sign < 0) != (b.UnscaledBig.Sign < 0);
        return FromBig(bneg ? -bq : bq, rscale);
    }

    /// <summary>numeric.c select_div_scale: at least 16 significant digits, and no less than either input's dscale.</summary>
    public static int SelectDivScale(PgNumeric a, PgNumeric b)
    {
        (int weight1, int first1) = WeightAndFirstDigit(a);
        (int weight2, int first2) = WeightAndFirstDigit(b);
        int qweight = weight1 - weight2;
        if (first1 <= first2) qweight--;
        int rscale = MinSigDigits - qweight * DecDigits;
        rscale = Math.Max(rscale, a.Scale);
        rscale = Math.Max(rscale, b.Scale);
        rscale = Math.Max(rscale, 0);
        return Math.Min(rscale, MaxDisplayScale);
    }

    /// <summary>The base-10000 weight and value of the first non-zero digit (0, 0 for zero).</summary>
    public static (int Weight, int FirstDigit) WeightAndFirstDigit(PgNumeric v)
    {
        var mag = BigInteger.Abs(v.UnscaledBig);
        if (mag.IsZero) return (0, 0);
        int d = DecimalDigitCount(mag);
        int e = d - 1 - v.Scale; // decimal exponent of the leading digit
        int w = FloorDiv(e, DecDigits);
        int lead = e - w * DecDigits + 1; // 1..4 decimal digits in the first base-10000 digit
        // A value with fewer significant digits than its leading base-10000 digit holds
        // (0.05 is the digit 0500 at weight -1) is padded on the right.
        int first = d >= lead ? (int)(mag / BigPow10(d - lead)) : (int)(mag * BigPow10(lead - d));
        return (w, first);
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    public static int DecimalDigitCount(BigInteger mag)
    {
        if (mag.IsZero) return 1;
        int d = (int)Math.Floor(BigInteger.Log10(mag)) + 1;
        // Log10 can be off by one near powers of ten.
        while (d > 1 && mag < BigPow10(d - 1)) d--;
        while (mag >= BigPow10(d)) d++;
        return d;
    }

    public static PgNumeric Mod(PgNumeric a, PgNumeric b)
    {
        if (!a.IsFinite || !b.IsFinite)
        {
            if (a.Kind == NumericKind.NaN || b.Kind == NumericKind.NaN) return PgNumeric.NaN;
            if (!a.IsFinite)
            {
                if (Sign(b) == 0) PgErrors.DivideByZero();
                return PgNumeric.NaN;
            }
            return a; // finite % ±Inf
        }
        if (Sign(b) == 0) PgErrors.DivideByZero();
        int scale = Math.Max(a.Scale, b.Scale);
        var x = a.UnscaledBig * BigPow10(scale - a.Scale);
        var y = b.UnscaledBig * BigPow10(scale - b.Scale);
        return FromBig(BigInteger.Remainder(x, y), scale);
    }

    // ------------------------------------------------------------------ compare

    public static int Sign(PgNumeric v) => v.Kind switch
    {
        NumericKind.PositiveInfinity => 1,
        NumericKind.NegativeInfinity => -1,
        NumericKind.NaN => 0,
        _ => v.Big is { } b ? b.Sign : v.Unscaled.CompareTo(Int128.Zero),
    };

    /// <summary>cmp_numerics: NaN equals NaN and sorts above everything; +Inf above every finite value.</summary>
    public static int Compare(PgNumeric a, PgNumeric b)
    {
        if (a.Kind == NumericKind.Finite && b.Kind == NumericKind.Finite)
        {
            if (a.Big is null && b.Big is null)
            {
                if (a.Scale == b.Scale) return a.Unscaled.CompareTo(b.Unscaled);
                int s = Math.Max(a.Scale, b.Scale);
                if (TryRescale(a.Unscaled, s - a.Scale, out var x) && TryRescale(b.Unscaled, s - b.Scale, out var y))
                    return x.CompareTo(y);
            }
            int sc = Math.Max(a.Scale, b.Scale);
            return (a.UnscaledBig * BigPow10(sc - a.Scale)).CompareTo(b.UnscaledBig * BigPow10(sc - b.Scale));
        }
        return Rank(a).CompareTo(Rank(b));
    }

    private static int Rank(PgNumeric v) => v.Kind switch
    {
        NumericKind.NegativeInfinity => -1,
        NumericKind.PositiveInfinity => 1,
        NumericKind.NaN => 2,
        _ => 0,
    };

    /// <summary>A hash equal for equal values whatever their dscale (1.0 = 1.00), as hash_numeric.</summary>
    public static int Hash(PgNumeric v)
    {
        if (!v.IsFinite) return (int)v.Kind * 7919;
        if (v.Big is null)
        {
            Int128 u = v.Unscaled;
            int s = v.Scale;
            if (u == 0) return 0;
            while (s > 0 && u % 10 == 0)
            {
                u /= 10;
                s--;
            }
            return HashCode.Combine(u, s);
        }
        var b = v.Big.Value;
        int sc = v.Scale;
        while (sc > 0 && (b % 10).IsZero)
        {
            b /= 10;
            sc--;
        }
        return HashCode.Combine(b, sc);
    }

    // ------------------------------------------------------------------ conversions

    public static PgNumeric FromInt64(long v) => new(v, 0);

    /// <summary>float8_numeric: the value printed with DBL_DIG (15) significant digits, then read back as numeric_in would.</summary>
    public static PgNumeric FromDouble(double v) => FromFloatText(v, 15);

    /// <summary>float4_numeric: FLT_DIG (6) significant digits.</summary>
    public static PgNumeric FromSingle(float v) => FromFloatText(v, 6);

    private static PgNumeric FromFloatText(double v, int digits)
    {
        if (double.IsNaN(v)) return PgNumeric.NaN;
        if (double.IsPositiveInfinity(v)) return PgNumeric.PositiveInfinity;
        if (double.IsNegativeInfinity(v)) return PgNumeric.NegativeInfinity;
        string s = v.ToString("E" + (digits - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        // d.dddddE+xxx: mantissa digits, trailing zeros dropped as %g does.
        int ePos = s.IndexOf('E', StringComparison.Ordinal);
        bool neg = s[0] == '-';
        string mant = s[(neg ? 1 : 0)..ePos].Replace(".", "", StringComparison.Ordinal).TrimEnd('0');
        if (mant.Length == 0) return Zero;
        int exp = int.Parse(s[(ePos + 1)..], CultureInfo.InvariantCulture);
        // value = 0.mant * 10^(exp+1) = mant * 10^(exp + 1 - len)
        int shift = exp + 1 - mant.Length;
        var unscaled = BigInteger.Parse(mant, CultureInfo.InvariantCulture);
        int scale;
        if (shift >= 0)
        {
            unscaled *= BigPow10(shift);
            scale = 0;
        }
        else
        {
            scale = -shift;
        }
        return FromBig(neg ? -unscaled : unscaled, scale);
    }

    /// <summary>numeric_float8: the exact decimal value rounded to the nearest double (as strtod of numeric_out).</summary>
    public static double ToDouble(PgNumeric v)
    {
        switch (v.Kind)
        {
            case NumericKind.NaN: return double.NaN;
            case NumericKind.PositiveInfinity: return double.PositiveInfinity;
            case NumericKind.NegativeInfinity: return double.NegativeInfinity;
        }
        if (v.Big is null && v.Scale <= 22 && v.Unscaled >= -(1L << 53) && v.Unscaled <= (1L << 53))
            return (double)(long)v.Unscaled / Pow10Double[v.Scale]; // both exact: one correctly rounded division
        return double.Parse(v.ToString(), CultureInfo.InvariantCulture);
    }

    private static readonly double[] Pow10Double = Enumerable.Range(0, 23).Select(i => Math.Pow(10, i)).ToArray();

    /// <summary>numeric(value, typmod) rounding to a scale (apply_typmod's round_var): half away from zero.</summary>
    public static PgNumeric RoundToScale(PgNumeric v, int scale)
    {
        if (!v.IsFinite || v.Scale == scale) return v;
        if (v.Scale < scale)
        {
            if (v.Big is null && TryRescale(v.Unscaled, scale - v.Scale, out var up)) return new PgNumeric(up, (short)scale);
            return FromBig(v.UnscaledBig * BigPow10(scale - v.Scale), scale);
        }
        return FromBig(RoundBig(v.UnscaledBig, v.Scale - scale), scale);
    }
}
