using System.Numerics;
using PgFusion.Types;

namespace PgFusion.Codegen.Values;

/// <summary>numeric.c's rounding family (round, trunc, ceil, floor, abs) and sqrt_var.</summary>
public static partial class NumericMath
{
    /// <summary>
    /// sqrt_var: the square root of a non-negative value rounded half away from zero to
    /// <paramref name="rscale"/> digits (the floor square root one digit further, then rounded).
    /// </summary>
    public static PgNumeric Sqrt(PgNumeric v, int rscale)
    {
        if (!v.IsFinite) return v;
        var u = v.UnscaledBig;
        if (u.Sign < 0) PgErrors.Raise("2201F", "cannot take square root of a negative number");
        // sqrt(u / 10^s) * 10^(r+1) = sqrt(u * 10^(2r + 2 - s)).
        int shift = (2 * rscale) + 2 - v.Scale;
        var m = shift >= 0 ? u * BigPow10(shift) : u / BigPow10(-shift);
        var tenths = ISqrt(m);
        return FromBig((tenths + 5) / 10, rscale);
    }

    private static BigInteger ISqrt(BigInteger n)
    {
        if (n.IsZero) return n;
        // Newton from the double estimate (or, past double's range, from 2^ceil(bits/2), which is
        // above the root), then an exact fix-up.
        double estimate = Math.Sqrt((double)n);
        var x = double.IsFinite(estimate) ? (BigInteger)estimate : BigInteger.One << (int)((n.GetBitLength() + 1) / 2);
        if (x.IsZero) x = BigInteger.One;
        while (true)
        {
            var y = (x + (n / x)) >> 1;
            if (BigInteger.Abs(y - x) <= 1)
            {
                x = y;
                break;
            }
            x = y;
        }
        while (x * x > n) x -= 1;
        while ((x + 1) * (x + 1) <= n) x += 1;
        return x;
    }

    /// <summary>numeric_round: round half away from zero at <paramref name="scale"/> (may be negative); dscale max(scale, 0).</summary>
    public static PgNumeric RoundAt(PgNumeric v, int scale) => ScaleTo(v, scale, round: true);

    /// <summary>numeric_trunc: truncate toward zero at <paramref name="scale"/>; dscale max(scale, 0).</summary>
    public static PgNumeric TruncAt(PgNumeric v, int scale) => ScaleTo(v, scale, round: false);

    private static PgNumeric ScaleTo(PgNumeric v, int scale, bool round)
    {
        if (!v.IsFinite) return v;
        // PostgreSQL 15 caps the scale at NUMERIC_DSCALE_MAX; far below the value's magnitude the result is 0.
        scale = Math.Min(scale, DscaleMax);
        int outScale = Math.Max(scale, 0);
        var u = v.UnscaledBig;
        if (scale < 0 && -scale > DecimalDigitCount(BigInteger.Abs(u)) - v.Scale + 1) return new PgNumeric(0, 0);
        if (scale >= v.Scale) return FromBig(u * BigPow10(outScale - v.Scale), outScale);
        var p = BigPow10(v.Scale - scale);
        var q = BigInteger.DivRem(BigInteger.Abs(u), p, out var rem);
        if (round && rem * 2 >= p) q += 1;
        if (u.Sign < 0) q = -q;
        // q counts units of 10^-scale; express it at the output scale.
        return FromBig(scale >= 0 ? q : q * BigPow10(-scale), outScale);
    }

    /// <summary>numeric_ceil / numeric_floor: dscale 0; specials pass through.</summary>
    public static PgNumeric Ceil(PgNumeric v) => Integral(v, ceiling: true);

    public static PgNumeric Floor(PgNumeric v) => Integral(v, ceiling: false);

    private static PgNumeric Integral(PgNumeric v, bool ceiling)
    {
        if (!v.IsFinite) return v;
        var u = v.UnscaledBig;
        var p = BigPow10(v.Scale);
        var q = BigInteger.DivRem(u, p, out var rem);
        if (!rem.IsZero && (rem.Sign > 0) == ceiling) q += ceiling ? 1 : -1;
        return FromBig(q, 0);
    }

    public static PgNumeric Abs(PgNumeric v) => v.Kind switch
    {
        NumericKind.NegativeInfinity => PgNumeric.PositiveInfinity,
        NumericKind.Finite => v.Big is { } big ? FromBig(BigInteger.Abs(big), v.Scale) : new PgNumeric(Int128.Abs(v.Unscaled), v.Scale),
        _ => v,
    };
}
