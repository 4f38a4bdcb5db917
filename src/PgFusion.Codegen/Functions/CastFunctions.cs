using System.Globalization;
using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Functions;

/// <summary>Casts between the numeric types (int.c, int8.c, float.c, numeric.c conversion functions).</summary>
public static class CastFunctions
{
    public static int Int2ToInt4(short a) => a;

    public static long Int4ToInt8(int a) => a;

    public static short Int4ToInt2(int a)
    {
        if (a != (short)a) PgErrors.SmallintOutOfRange();
        return (short)a;
    }

    public static int Int8ToInt4(long a)
    {
        if (a != (int)a) PgErrors.IntegerOutOfRange();
        return (int)a;
    }

    public static short Int8ToInt2(long a)
    {
        if (a != (short)a) PgErrors.SmallintOutOfRange();
        return (short)a;
    }

    public static double Int8ToFloat8(long a) => a;

    public static double Int4ToFloat8(int a) => a;

    public static float Int8ToFloat4(long a) => a;

    public static float Int4ToFloat4(int a) => a;

    public static double Float4ToFloat8(float a) => a;

    /// <summary>dtof: overflow and underflow are errors, as in float.c.</summary>
    public static float Float8ToFloat4(double a)
    {
        float r = (float)a;
        if (float.IsInfinity(r) && !double.IsInfinity(a)) PgErrors.FloatOverflow();
        if (r == 0.0f && a != 0.0) PgErrors.FloatUnderflow();
        return r;
    }

    // float.c dtoi2 / dtoi4 / dtoi8 and ftoi2 / ftoi4 / ftoi8: rint (round half to even) first,
    // so a just-out-of-range value that rounds into range converts; then NaN or a value outside
    // [MIN, -MIN) is the target type's 22003 "... out of range". The bounds are powers of two,
    // exact in float4 and float8, so FLOATx_FITS_IN_INTy is the same comparison in double.

    /// <summary>dtoi8: int8(float8).</summary>
    public static long Float8ToInt8(double a)
    {
        double r = Math.Round(a, MidpointRounding.ToEven);
        if (!FitsBelowPowerOfTwo(r, 63)) PgErrors.BigintOutOfRange();
        return (long)r;
    }

    /// <summary>dtoi4: int4(float8).</summary>
    public static int Float8ToInt4(double a)
    {
        double r = Math.Round(a, MidpointRounding.ToEven);
        if (!FitsBelowPowerOfTwo(r, 31)) PgErrors.IntegerOutOfRange();
        return (int)r;
    }

    /// <summary>dtoi2: int2(float8).</summary>
    public static short Float8ToInt2(double a)
    {
        double r = Math.Round(a, MidpointRounding.ToEven);
        if (!FitsBelowPowerOfTwo(r, 15)) PgErrors.SmallintOutOfRange();
        return (short)r;
    }

    /// <summary>ftoi8: int8(float4); the float4 is rounded as a float4 (rint of a float4 is one).</summary>
    public static long Float4ToInt8(float a)
    {
        float r = MathF.Round(a, MidpointRounding.ToEven);
        if (!FitsBelowPowerOfTwo(r, 63)) PgErrors.BigintOutOfRange();
        return (long)r;
    }

    /// <summary>ftoi4: int4(float4).</summary>
    public static int Float4ToInt4(float a)
    {
        float r = MathF.Round(a, MidpointRounding.ToEven);
        if (!FitsBelowPowerOfTwo(r, 31)) PgErrors.IntegerOutOfRange();
        return (int)r;
    }

    /// <summary>ftoi2: int2(float4).</summary>
    public static short Float4ToInt2(float a)
    {
        float r = MathF.Round(a, MidpointRounding.ToEven);
        if (!FitsBelowPowerOfTwo(r, 15)) PgErrors.SmallintOutOfRange();
        return (short)r;
    }

    /// <summary>-2^bits &lt;= r &lt; 2^bits, false for NaN (every comparison with NaN is false).</summary>
    private static bool FitsBelowPowerOfTwo(double r, int bits)
    {
        double limit = Math.ScaleB(1.0, bits);
        return r >= -limit && r < limit;
    }

    public static PgNumeric Int8ToNumeric(long a) => new(a, 0);

    public static PgNumeric Int4ToNumeric(int a) => new(a, 0);

    public static double NumericToFloat8(PgNumeric a) => NumericMath.ToDouble(a);

    /// <summary>
    /// numeric_float4 reads numeric_out's text with float4in: one rounding, straight to float; a
    /// value beyond float's range, or a nonzero one that rounds to zero, is float4in's 22003
    /// "... is out of range for type real" (seed 92 case 176).
    /// </summary>
    public static float NumericToFloat4(PgNumeric a)
    {
        switch (a.Kind)
        {
            case NumericKind.NaN: return float.NaN;
            case NumericKind.PositiveInfinity: return float.PositiveInfinity;
            case NumericKind.NegativeInfinity: return float.NegativeInfinity;
        }
        string text = a.ToString();
        float r = float.Parse(text, CultureInfo.InvariantCulture);
        if (float.IsInfinity(r) || (r == 0.0f && text.AsSpan().IndexOfAny("123456789") >= 0))
            throw new PgFusionException("22003", $"\"{text}\" is out of range for type real");
        return r;
    }

    public static PgNumeric Float8ToNumeric(double a) => NumericMath.FromDouble(a);

    public static PgNumeric Float4ToNumeric(float a) => NumericMath.FromSingle(a);

    /// <summary>numeric_int8: round half away from zero, then range-check.</summary>
    public static long NumericToInt8(PgNumeric a)
    {
        var rounded = ToIntegral(a, "bigint");
        if (rounded < long.MinValue || rounded > long.MaxValue) PgErrors.BigintOutOfRange();
        return (long)rounded;
    }

    public static int NumericToInt4(PgNumeric a)
    {
        var rounded = ToIntegral(a, "integer");
        if (rounded < int.MinValue || rounded > int.MaxValue) PgErrors.IntegerOutOfRange();
        return (int)rounded;
    }

    public static short NumericToInt2(PgNumeric a)
    {
        var rounded = ToIntegral(a, "smallint");
        if (rounded < short.MinValue || rounded > short.MaxValue) PgErrors.SmallintOutOfRange();
        return (short)rounded;
    }

    private static System.Numerics.BigInteger ToIntegral(PgNumeric a, string typeName)
    {
        if (a.Kind == NumericKind.NaN) PgErrors.Raise(PgErrors.FeatureNotSupported, "cannot convert NaN to " + typeName);
        if (!a.IsFinite) PgErrors.Raise(PgErrors.FeatureNotSupported, "cannot convert infinity to " + typeName);
        return NumericMath.RoundToScale(a, 0).UnscaledBig;
    }

    /// <summary>numeric(value, typmod): apply_typmod, rounding to the scale and checking the precision.</summary>
    public static PgNumeric NumericTypmod(PgNumeric a, int typmod)
    {
        if (typmod < 4) return a;
        int precision = ((typmod - 4) >> 16) & 0xFFFF;
        int scale = (((typmod - 4) & 0x7FF) ^ 1024) - 1024;
        if (a.Kind == NumericKind.NaN) return a;
        if (!a.IsFinite)
        {
            throw new PgFusionException(PgErrors.NumericValueOutOfRange, "numeric field overflow",
                $"A field with precision {precision}, scale {scale} cannot hold an infinite value.");
        }
        var r = scale >= 0 ? NumericMath.RoundToScale(a, scale) : NumericMath.RoundToScale(a, 0);
        if (scale < 0)
        {
            var p = NumericMath.BigPow10(-scale);
            var q = System.Numerics.BigInteger.DivRem(System.Numerics.BigInteger.Abs(r.UnscaledBig), p, out var rem);
            if (rem * 2 >= p) q += 1;
            r = NumericMath.FromBig((r.UnscaledBig.Sign < 0 ? -q : q) * p, 0);
        }
        int maxDigits = precision - scale;
        var mag = System.Numerics.BigInteger.Abs(r.UnscaledBig);
        if (!mag.IsZero)
        {
            int intDigits = NumericMath.DecimalDigitCount(mag) - r.Scale;
            if (intDigits > maxDigits)
            {
                throw new PgFusionException(PgErrors.NumericValueOutOfRange, "numeric field overflow",
                    $"A field with precision {precision}, scale {scale} must round to an absolute value less than {(maxDigits > 0 ? "10^" + maxDigits.ToString(CultureInfo.InvariantCulture) : "1")}.");
            }
        }
        return r;
    }

    /// <summary>oid(int8) (int8.c i8tooid): 22003 "OID out of range" outside 0 .. 2^32 - 1.</summary>
    public static uint Int8ToOid(long a)
    {
        if (a is < 0 or > uint.MaxValue) PgErrors.Raise(PgErrors.NumericValueOutOfRange, "OID out of range");
        return (uint)a;
    }

    /// <summary>int8(oid) (int8.c oidtoi8): every OID is a bigint.</summary>
    public static long OidToInt8(uint a) => a;

    /// <summary>bool(int4) (int.c int4_bool): false for 0, true otherwise.</summary>
    public static bool Int4Bool(int a) => a != 0;

    /// <summary>int4(bool) (int.c bool_int4).</summary>
    public static int BoolInt4(bool b) => b ? 1 : 0;
}
