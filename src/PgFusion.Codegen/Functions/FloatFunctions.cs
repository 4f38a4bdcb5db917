using System.Runtime.CompilerServices;
using PgFusion.Codegen.Values;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// float4/float8 arithmetic with utils/float.h's overflow, underflow and zero-divide checks, and
/// comparisons where NaN equals NaN and sorts above every other value (float8_cmp). float48 and
/// float84 variants are float8 after widening the float4 side.
/// </summary>
public static class FloatFunctions
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Float8Pl(double a, double b)
    {
        double r = a + b;
        if (double.IsInfinity(r) && !double.IsInfinity(a) && !double.IsInfinity(b)) PgErrors.FloatOverflow();
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Float8Mi(double a, double b)
    {
        double r = a - b;
        if (double.IsInfinity(r) && !double.IsInfinity(a) && !double.IsInfinity(b)) PgErrors.FloatOverflow();
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Float8Mul(double a, double b)
    {
        double r = a * b;
        if (double.IsInfinity(r) && !double.IsInfinity(a) && !double.IsInfinity(b)) PgErrors.FloatOverflow();
        if (r == 0.0 && a != 0.0 && b != 0.0) PgErrors.FloatUnderflow();
        return r;
    }

    public static double Float8Div(double a, double b)
    {
        if (b == 0.0 && !double.IsNaN(a)) PgErrors.DivideByZero();
        double r = a / b;
        if (double.IsInfinity(r) && !double.IsInfinity(a)) PgErrors.FloatOverflow();
        if (r == 0.0 && a != 0.0 && !double.IsInfinity(b)) PgErrors.FloatUnderflow();
        return r;
    }

    public static double Float8Um(double a) => -a;

    public static double Float8Up(double a) => a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Float4Pl(float a, float b)
    {
        float r = a + b;
        if (float.IsInfinity(r) && !float.IsInfinity(a) && !float.IsInfinity(b)) PgErrors.FloatOverflow();
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Float4Mi(float a, float b)
    {
        float r = a - b;
        if (float.IsInfinity(r) && !float.IsInfinity(a) && !float.IsInfinity(b)) PgErrors.FloatOverflow();
        return r;
    }

    public static float Float4Mul(float a, float b)
    {
        float r = a * b;
        if (float.IsInfinity(r) && !float.IsInfinity(a) && !float.IsInfinity(b)) PgErrors.FloatOverflow();
        if (r == 0.0f && a != 0.0f && b != 0.0f) PgErrors.FloatUnderflow();
        return r;
    }

    public static float Float4Div(float a, float b)
    {
        if (b == 0.0f && !float.IsNaN(a)) PgErrors.DivideByZero();
        float r = a / b;
        if (float.IsInfinity(r) && !float.IsInfinity(a)) PgErrors.FloatOverflow();
        if (r == 0.0f && a != 0.0f && !float.IsInfinity(b)) PgErrors.FloatUnderflow();
        return r;
    }

    public static float Float4Um(float a) => -a;

    public static float Float4Up(float a) => a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Float8Eq(double a, double b) => double.IsNaN(a) ? double.IsNaN(b) : !double.IsNaN(b) && a == b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Float8Ne(double a, double b) => !Float8Eq(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Float8Lt(double a, double b) => !double.IsNaN(a) && (double.IsNaN(b) || a < b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Float8Le(double a, double b) => double.IsNaN(b) || (!double.IsNaN(a) && a <= b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Float8Gt(double a, double b) => !double.IsNaN(b) && (double.IsNaN(a) || a > b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Float8Ge(double a, double b) => double.IsNaN(a) || (!double.IsNaN(b) && a >= b);

    public static bool Float4Eq(float a, float b) => Float8Eq(a, b);

    public static bool Float4Ne(float a, float b) => !Float8Eq(a, b);

    public static bool Float4Lt(float a, float b) => Float8Lt(a, b);

    public static bool Float4Le(float a, float b) => Float8Le(a, b);

    public static bool Float4Gt(float a, float b) => Float8Gt(a, b);

    public static bool Float4Ge(float a, float b) => Float8Ge(a, b);

    /// <summary>float8_cmp: NaN = NaN, NaN above everything.</summary>
    public static int Float8Cmp(double a, double b) => Float8Gt(a, b) ? 1 : Float8Lt(a, b) ? -1 : 0;
}
