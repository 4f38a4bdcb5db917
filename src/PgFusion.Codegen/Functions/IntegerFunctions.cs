using System.Runtime.CompilerServices;
using PgFusion.Codegen.Values;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// int2/int4/int8 arithmetic and comparison (utils/adt/int.c, int8.c). Mixed-width variants
/// (int24pl, int84lt, ...) are registered on these with their arguments widened, which is what
/// PostgreSQL computes too.
/// </summary>
public static class IntegerFunctions
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short Int2Pl(short a, short b)
    {
        int r = a + b;
        if (r != (short)r) PgErrors.SmallintOutOfRange();
        return (short)r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short Int2Mi(short a, short b)
    {
        int r = a - b;
        if (r != (short)r) PgErrors.SmallintOutOfRange();
        return (short)r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short Int2Mul(short a, short b)
    {
        int r = a * b;
        if (r != (short)r) PgErrors.SmallintOutOfRange();
        return (short)r;
    }

    public static short Int2Div(short a, short b)
    {
        if (b == 0) PgErrors.DivideByZero();
        if (b == -1)
        {
            if (a == short.MinValue) PgErrors.SmallintOutOfRange();
            return (short)-a;
        }
        return (short)(a / b);
    }

    public static short Int2Mod(short a, short b)
    {
        if (b == 0) PgErrors.DivideByZero();
        return b == -1 ? (short)0 : (short)(a % b);
    }

    public static short Int2Um(short a)
    {
        if (a == short.MinValue) PgErrors.SmallintOutOfRange();
        return (short)-a;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Int4Pl(int a, int b)
    {
        int r = unchecked(a + b);
        if (((a ^ r) & (b ^ r)) < 0) PgErrors.IntegerOutOfRange();
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Int4Mi(int a, int b)
    {
        int r = unchecked(a - b);
        if (((a ^ b) & (a ^ r)) < 0) PgErrors.IntegerOutOfRange();
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Int4Mul(int a, int b)
    {
        long r = (long)a * b;
        if (r != (int)r) PgErrors.IntegerOutOfRange();
        return (int)r;
    }

    public static int Int4Div(int a, int b)
    {
        if (b == 0) PgErrors.DivideByZero();
        if (b == -1)
        {
            if (a == int.MinValue) PgErrors.IntegerOutOfRange();
            return -a;
        }
        return a / b;
    }

    public static int Int4Mod(int a, int b)
    {
        if (b == 0) PgErrors.DivideByZero();
        return b == -1 ? 0 : a % b;
    }

    public static int Int4Um(int a)
    {
        if (a == int.MinValue) PgErrors.IntegerOutOfRange();
        return -a;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Int8Pl(long a, long b)
    {
        long r = unchecked(a + b);
        if (((a ^ r) & (b ^ r)) < 0) PgErrors.BigintOutOfRange();
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Int8Mi(long a, long b)
    {
        long r = unchecked(a - b);
        if (((a ^ b) & (a ^ r)) < 0) PgErrors.BigintOutOfRange();
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Int8Mul(long a, long b)
    {
        long high = Math.BigMul(a, b, out long low);
        if (high != (low >> 63)) PgErrors.BigintOutOfRange();
        return low;
    }

    public static long Int8Div(long a, long b)
    {
        if (b == 0) PgErrors.DivideByZero();
        if (b == -1)
        {
            if (a == long.MinValue) PgErrors.BigintOutOfRange();
            return -a;
        }
        return a / b;
    }

    public static long Int8Mod(long a, long b)
    {
        if (b == 0) PgErrors.DivideByZero();
        return b == -1 ? 0 : a % b;
    }

    public static long Int8Um(long a)
    {
        if (a == long.MinValue) PgErrors.BigintOutOfRange();
        return -a;
    }

    public static short Int2Up(short a) => a;

    public static int Int4Up(int a) => a;

    public static long Int8Up(long a) => a;

    // Comparisons: int2 and int4 widen to int4, anything with int8 to int8.
    public static bool Int4Eq(int a, int b) => a == b;

    public static bool Int4Ne(int a, int b) => a != b;

    public static bool Int4Lt(int a, int b) => a < b;

    public static bool Int4Le(int a, int b) => a <= b;

    public static bool Int4Gt(int a, int b) => a > b;

    public static bool Int4Ge(int a, int b) => a >= b;

    public static bool Int8Eq(long a, long b) => a == b;

    public static bool Int8Ne(long a, long b) => a != b;

    public static bool Int8Lt(long a, long b) => a < b;

    public static bool Int8Le(long a, long b) => a <= b;

    public static bool Int8Gt(long a, long b) => a > b;

    public static bool Int8Ge(long a, long b) => a >= b;
}
