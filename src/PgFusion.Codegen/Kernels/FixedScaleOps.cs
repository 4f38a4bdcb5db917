using System.Runtime.CompilerServices;
using PgFusion.Arrow;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// Raised inside a fixed-scale kernel when a checked Int128 operation would overflow; the
/// kernel's runner catches it and evaluates the batch again with the general kernel, whose
/// arbitrary-precision arithmetic gives the exact value (never a wrong one). Never reaches a client.
/// </summary>
public sealed class FixedScaleOverflowException : Exception
{
    public FixedScaleOverflowException()
        : base("fixed-scale numeric overflow: the batch is evaluated again by the general kernel")
    {
    }

    public FixedScaleOverflowException(string message) : base(message)
    {
    }

    public FixedScaleOverflowException(string message, Exception inner) : base(message, inner)
    {
    }
}

/// <summary>Run-time helpers of fixed-scale numeric kernels: checked Int128 steps and the per-batch guard.</summary>
public static class FixedScaleOps
{
    private static readonly Int128[] Pow10Table = BuildPow10();

    private static Int128[] BuildPow10()
    {
        var t = new Int128[39];
        t[0] = 1;
        for (int i = 1; i < t.Length; i++) t[i] = t[i - 1] * 10;
        return t;
    }

    public static Int128 Pow10(int n) => Pow10Table[n];

    /// <summary>
    /// The batch may take the fixed-scale kernel: each listed numeric(p, s) column holds finite
    /// values (Kinds null), none past 38 digits (Big null), all at the column's one scale.
    /// </summary>
    public static bool Eligible(RecordBatch batch, int[] columns)
    {
        foreach (int c in columns)
        {
            if (batch.Columns[c] is not DecimalColumn d || d.Kinds is not null || d.Big is not null || d.Scales is not null || d.FixedScale != d.DeclaredScale)
                return false;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Int128 Overflow() => throw new FixedScaleOverflowException();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int128 AddChecked(Int128 a, Int128 b)
    {
        Int128 r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 || r == Int128.MinValue ? Overflow() : r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int128 SubChecked(Int128 a, Int128 b)
    {
        Int128 r = a - b;
        return ((a ^ b) & (a ^ r)) < 0 || r == Int128.MinValue ? Overflow() : r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int128 MulChecked(Int128 a, Int128 b)
    {
        // both within a long: the product is below 2^126 in magnitude
        if (a == (long)a && b == (long)b) return Math.BigMul((long)a, (long)b);
        return MulCheckedSlow(a, b);
    }

    private static Int128 MulCheckedSlow(Int128 a, Int128 b)
    {
        if (a == Int128.MinValue || b == Int128.MinValue) return Overflow();
        var p = (System.Numerics.BigInteger)a * b;
        return p > (System.Numerics.BigInteger)Int128.MaxValue || p < -(System.Numerics.BigInteger)Int128.MaxValue ? Overflow() : (Int128)p;
    }

    /// <summary>a * b when |a| and |b| fit a long (the bounds say so): one 64x64 -&gt; 128 multiply.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int128 MulSmall(Int128 a, Int128 b) => Math.BigMul((long)a, (long)b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int128 RescaleChecked(Int128 v, int by)
    {
        Int128 p = Pow10Table[by];
        Int128 limit = Int128.MaxValue / p;
        return v > limit || v < -limit ? Overflow() : v * p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int128 Negate(Int128 v) => -v;
}
