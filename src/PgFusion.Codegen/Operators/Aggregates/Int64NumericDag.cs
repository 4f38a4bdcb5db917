using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// The steps of several <see cref="Int64NumericProgram"/>s (one aggregate's distinct arguments)
/// with equal steps shared: each column is loaded once and `price * (1 - disc)` is computed once
/// for both sum(price * (1 - disc)) and sum(price * (1 - disc) * (1 + tax)). A batch runs the
/// steps in order over Int64 unscaled values. Overflow: each load records a bound on its values'
/// magnitudes (the OR of |v|'s bits, one pass with the check that the Int128 fits an Int64);
/// every step's bound follows from its operands' (|a|·fa + |b|·fb for add/sub, |a|·|b| for mul).
/// A step whose bound is below 2^62 cannot overflow and runs without checks (vectorised where the
/// hardware has the operation); any other step runs checked, and an overflow there makes
/// <see cref="Run"/> return false (the batch then takes the general, exact path). The bounds
/// also tell the caller when per-group Int64 sums of a batch cannot overflow
/// (<see cref="Bound"/> × rows below 2^62).
/// </summary>
public sealed class Int64NumericDag
{
    /// <summary>Below this bound a value (or a sum of values) fits an Int64 with a margin for the bound's own rounding.</summary>
    public const double SafeBound = 4611686018427387904.0; // 2^62

    /// <summary>A step's operation.</summary>
    public enum Kind
    {
        /// <summary>A constant.</summary>
        Const,

        /// <summary>A numeric(p &lt;= 18) column's unscaled values.</summary>
        Load,

        /// <summary>a·fa + b·fb.</summary>
        Add,

        /// <summary>a·fa - b·fb.</summary>
        Sub,

        /// <summary>a·b.</summary>
        Mul,

        /// <summary>-a.</summary>
        Neg,
    }

    private readonly record struct Node(Kind Kind, long Value, int Column, int A, int B, long FactorA, long FactorB);

    private readonly List<Node> nodes = [];
    private readonly Dictionary<Node, int> index = [];
    private long[][] buffers = [];
    private double[] bounds = [];
    private bool[] constant = []; // per node, this batch: a scalar (no buffer)
    private long[] scalar = [];
    private bool[] filled = [];

    /// <summary>A constant's node.</summary>
    public int Constant(long value) => Intern(new Node(Kind.Const, value, -1, -1, -1, 1, 1));

    /// <summary>A column's node.</summary>
    public int Load(int column) => Intern(new Node(Kind.Load, 0, column, -1, -1, 1, 1));

    /// <summary>An operation's node (factors: add/sub's rescaling of each operand to the result's scale; 0 past 10^18).</summary>
    public int Binary(Kind kind, int a, int b, long factorA, long factorB) => Intern(new Node(kind, 0, -1, a, b, factorA, factorB));

    private int Intern(Node n)
    {
        if (index.TryGetValue(n, out int i)) return i;
        i = nodes.Count;
        nodes.Add(n);
        index.Add(n, i);
        return i;
    }

    /// <summary>Steps in the DAG (shared steps counted once).</summary>
    public int Count => nodes.Count;

    /// <summary>Allocates the buffers (after every program was emitted).</summary>
    public void Seal(int rows)
    {
        buffers = [.. nodes.Select(_ => new long[rows])];
        bounds = new double[nodes.Count];
        constant = new bool[nodes.Count];
        scalar = new long[nodes.Count];
        filled = new bool[nodes.Count];
    }

    /// <summary>This batch's bound on the magnitude of <paramref name="node"/>'s values (after <see cref="Run"/>).</summary>
    public double Bound(int node) => bounds[node];

    /// <summary>This batch's values of <paramref name="node"/> (after <see cref="Run"/>), one per row.</summary>
    public long[] Values(int node, int rows)
    {
        if (constant[node] && !filled[node])
        {
            Array.Fill(buffers[node], scalar[node], 0, rows);
            filled[node] = true;
        }
        return buffers[node];
    }

    /// <summary>
    /// Every step over rows selection[k] (or k), k &lt; rows; false on an Int64 overflow (or a
    /// column value outside Int64). Values of NULL rows are arbitrary (they may also report an overflow).
    /// </summary>
    [MethodImpl(HotLoop.Options)]
    public bool Run(RecordBatch batch, int[]? selection, int rows)
    {
        if (buffers.Length > 0 && buffers[0].Length < rows) Seal(rows);
        for (int i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            filled[i] = false;
            constant[i] = false;
            var into = buffers[i];
            switch (n.Kind)
            {
                case Kind.Const:
                    constant[i] = true;
                    scalar[i] = n.Value;
                    bounds[i] = Math.Abs((double)n.Value);
                    break;
                case Kind.Load:
                {
                    if (!LoadColumn(((DecimalColumn)batch.Columns[n.Column]).Values, selection, rows, into, out ulong bits)) return false;
                    bounds[i] = (double)bits + 1;
                    break;
                }
                case Kind.Neg:
                    if (constant[n.A])
                    {
                        if (scalar[n.A] == long.MinValue) return false;
                        Scalar(i, -scalar[n.A]);
                        break;
                    }
                    bounds[i] = bounds[n.A];
                    if (!Negate(buffers[n.A], rows, into, bounds[i] < SafeBound)) return false;
                    break;
                case Kind.Mul:
                    if (!Multiply(i, n, rows, into)) return false;
                    break;
                default:
                    if (!AddOrSubtract(i, n, rows, into)) return false;
                    break;
            }
        }
        return true;
    }

    private void Scalar(int i, long value)
    {
        constant[i] = true;
        scalar[i] = value;
        bounds[i] = Math.Abs((double)value);
    }

    private bool Multiply(int i, Node n, int rows, long[] into)
    {
        bool ka = constant[n.A], kb = constant[n.B];
        if (ka && kb)
        {
            long hi = Math.BigMul(scalar[n.A], scalar[n.B], out long lo);
            if (hi != lo >> 63) return false;
            Scalar(i, lo);
            return true;
        }
        double bound = bounds[n.A] * bounds[n.B];
        bounds[i] = bound;
        bool safe = bound < SafeBound;
        if (ka) return MulScalar(buffers[n.B], scalar[n.A], rows, into, safe);
        if (kb) return MulScalar(buffers[n.A], scalar[n.B], rows, into, safe);
        return Mul(buffers[n.A], buffers[n.B], rows, into, safe);
    }

    private bool AddOrSubtract(int i, Node n, int rows, long[] into)
    {
        bool sub = n.Kind == Kind.Sub;
        if (n.FactorA == 0 || n.FactorB == 0) return false; // a rescale past 10^18 (not reached for p <= 18)
        bool ka = constant[n.A], kb = constant[n.B];
        if (ka && kb)
        {
            Int128 r = (Int128)scalar[n.A] * n.FactorA + (sub ? -1 : 1) * ((Int128)scalar[n.B] * n.FactorB);
            if (r > long.MaxValue || r < long.MinValue) return false;
            Scalar(i, (long)r);
            return true;
        }
        double ba = bounds[n.A] * n.FactorA, bb = bounds[n.B] * n.FactorB;
        bounds[i] = ba + bb;
        bool safe = ba + bb < SafeBound;
        // a constant operand: rescaled as a scalar, exactly
        long? ca = null, cb = null;
        if (ka)
        {
            long hi = Math.BigMul(scalar[n.A], n.FactorA, out long lo);
            if (hi != lo >> 63) return false;
            ca = lo;
        }
        if (kb)
        {
            long hi = Math.BigMul(scalar[n.B], n.FactorB, out long lo);
            if (hi != lo >> 63) return false;
            cb = lo;
        }
        // a column operand with a factor: rescaled into the output first (at most one operand has a factor: the result's scale is the larger)
        long[] x = buffers[n.A], y = buffers[n.B];
        if (!ka && !kb && n.FactorA != 1 && n.FactorB != 1) return false;
        if (!ka && n.FactorA != 1)
        {
            if (!MulScalar(x, n.FactorA, rows, into, safe)) return false;
            x = into;
        }
        if (!kb && n.FactorB != 1)
        {
            if (!MulScalar(y, n.FactorB, rows, into, safe)) return false;
            y = into;
        }
        if (ca is { } c1) return sub ? ScalarSub(c1, y, rows, into, safe) : AddScalar(y, c1, rows, into, safe);
        if (cb is { } c2) return sub ? c2 != long.MinValue && AddScalar(x, -c2, rows, into, safe) : AddScalar(x, c2, rows, into, safe);
        return sub ? Sub(x, y, rows, into, safe) : Add(x, y, rows, into, safe);
    }

    /// <summary>
    /// The low halves of the rows' Int128s; false when one does not fit an Int64.
    /// <paramref name="bits"/>: the OR of |v| - (v &lt; 0) over the rows (its value + 1 bounds every |v|).
    /// </summary>
    [MethodImpl(HotLoop.Options)]
    private static bool LoadColumn(Int128[] values, int[]? selection, int rows, long[] into, out ulong bits)
    {
        var halves = MemoryMarshal.Cast<Int128, long>(values.AsSpan());
        ref long h = ref MemoryMarshal.GetReference(halves);
        ref long o = ref MemoryMarshal.GetArrayDataReference(into);
        ulong bad = 0, or = 0;
        if (selection is null)
        {
            if (rows > values.Length || rows > into.Length) throw new ArgumentOutOfRangeException(nameof(rows));
            int k = 0;
            if (Avx2.IsSupported)
            {
                // four Int128s as two vectors [lo0 hi0 lo1 hi1] [lo2 hi2 lo3 hi3]: unpacked to lows [lo0 lo2 lo1 lo3] and highs in the same order
                var vbad = Vector256<long>.Zero;
                var vor = Vector256<long>.Zero;
                for (; k + 4 <= rows; k += 4)
                {
                    var a = Vector256.LoadUnsafe(ref h, (nuint)(2 * k));
                    var b = Vector256.LoadUnsafe(ref h, (nuint)(2 * k + 4));
                    var low = Avx2.UnpackLow(a, b);
                    var sign = Vector256.GreaterThan(Vector256<long>.Zero, low);
                    vbad |= Avx2.UnpackHigh(a, b) ^ sign;
                    vor |= low ^ sign;
                    Avx2.Permute4x64(low, 0b11_01_10_00).StoreUnsafe(ref o, (nuint)k);
                }
                bad = (ulong)(vbad.GetElement(0) | vbad.GetElement(1) | vbad.GetElement(2) | vbad.GetElement(3));
                or = (ulong)(vor.GetElement(0) | vor.GetElement(1) | vor.GetElement(2) | vor.GetElement(3));
            }
            for (; k < rows; k++)
            {
                long low = Unsafe.Add(ref h, 2 * k), high = Unsafe.Add(ref h, 2 * k + 1);
                long sign = low >> 63;
                bad |= (ulong)(high ^ sign);
                or |= (ulong)(low ^ sign);
                Unsafe.Add(ref o, k) = low;
            }
        }
        else
        {
            if (rows > selection.Length || rows > into.Length) throw new ArgumentOutOfRangeException(nameof(rows));
            int k = 0;
            if (Avx2.IsSupported)
                k = GatherSelected(values, selection, rows, into, ref bad, ref or);
            for (; k < rows; k++)
            {
                Int128 v = values[selection[k]];
                long low = (long)v, sign = low >> 63;
                bad |= (ulong)((long)(v >> 64) ^ sign);
                or |= (ulong)(low ^ sign);
                Unsafe.Add(ref o, k) = low;
            }
        }
        bits = or;
        return bad == 0;
    }

    /// <summary>
    /// <see cref="LoadColumn"/>'s selected rows four at a time, by AVX2 gathers of their low and
    /// high halves (TPC-H Q1 keeps 98 % of the rows, so every batch comes with a selection vector:
    /// the scalar gather was a tenth of Q1's worker CPU). Each group of four indices is checked
    /// against the array first; the first group outside it, and the last rows, are left to the
    /// caller's checked loop. Returns the rows done.
    /// </summary>
    [MethodImpl(HotLoop.Options)]
    private static unsafe int GatherSelected(Int128[] values, int[] selection, int rows, long[] into, ref ulong bad, ref ulong or)
    {
        int k = 0;
        var limit = Vector128.Create((uint)values.Length);
        var vbad = Vector256<long>.Zero;
        var vor = Vector256<long>.Zero;
        ref long o = ref MemoryMarshal.GetArrayDataReference(into);
        fixed (Int128* start = values)
        fixed (int* chosen = selection)
        {
            long* lows = (long*)start;
            for (; k + 4 <= rows; k += 4)
            {
                var index = Sse2.LoadVector128(chosen + k);
                if (!Vector128.LessThanAll(index.AsUInt32(), limit)) break;
                var half = index + index;
                var low = Avx2.GatherVector256(lows, half, 8);
                var high = Avx2.GatherVector256(lows + 1, half, 8);
                var sign = Vector256.GreaterThan(Vector256<long>.Zero, low);
                vbad |= high ^ sign;
                vor |= low ^ sign;
                low.StoreUnsafe(ref o, (nuint)k);
            }
        }
        bad |= (ulong)(vbad.GetElement(0) | vbad.GetElement(1) | vbad.GetElement(2) | vbad.GetElement(3));
        or |= (ulong)(vor.GetElement(0) | vor.GetElement(1) | vor.GetElement(2) | vor.GetElement(3));
        return k;
    }

    [MethodImpl(HotLoop.Options)]
    private static bool Negate(long[] v, int rows, long[] into, bool safe)
    {
        bool ok = true;
        for (int k = 0; k < rows; k++)
        {
            ok &= safe || v[k] != long.MinValue;
            into[k] = -v[k];
        }
        return ok;
    }

    [MethodImpl(HotLoop.Options)]
    private static bool AddScalar(long[] v, long c, int rows, long[] into, bool safe)
    {
        if (safe)
        {
            int k = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var vc = Vector256.Create(c);
                for (; k + 4 <= rows; k += 4) (Vector256.LoadUnsafe(ref v[0], (nuint)k) + vc).StoreUnsafe(ref into[0], (nuint)k);
            }
            for (; k < rows; k++) into[k] = v[k] + c;
            return true;
        }
        long bad = 0;
        for (int k = 0; k < rows; k++)
        {
            long r = v[k] + c;
            bad |= (v[k] ^ r) & (c ^ r);
            into[k] = r;
        }
        return bad >= 0;
    }

    [MethodImpl(HotLoop.Options)]
    private static bool ScalarSub(long c, long[] v, int rows, long[] into, bool safe)
    {
        if (safe)
        {
            int k = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var vc = Vector256.Create(c);
                for (; k + 4 <= rows; k += 4) (vc - Vector256.LoadUnsafe(ref v[0], (nuint)k)).StoreUnsafe(ref into[0], (nuint)k);
            }
            for (; k < rows; k++) into[k] = c - v[k];
            return true;
        }
        long bad = 0;
        for (int k = 0; k < rows; k++)
        {
            long r = c - v[k];
            bad |= (c ^ v[k]) & (c ^ r);
            into[k] = r;
        }
        return bad >= 0;
    }

    [MethodImpl(HotLoop.Options)]
    private static bool Add(long[] x, long[] y, int rows, long[] into, bool safe)
    {
        if (safe)
        {
            int k = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; k + 4 <= rows; k += 4)
                    (Vector256.LoadUnsafe(ref x[0], (nuint)k) + Vector256.LoadUnsafe(ref y[0], (nuint)k)).StoreUnsafe(ref into[0], (nuint)k);
            }
            for (; k < rows; k++) into[k] = x[k] + y[k];
            return true;
        }
        long bad = 0;
        for (int k = 0; k < rows; k++)
        {
            long r = x[k] + y[k];
            bad |= (x[k] ^ r) & (y[k] ^ r);
            into[k] = r;
        }
        return bad >= 0;
    }

    [MethodImpl(HotLoop.Options)]
    private static bool Sub(long[] x, long[] y, int rows, long[] into, bool safe)
    {
        if (safe)
        {
            int k = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; k + 4 <= rows; k += 4)
                    (Vector256.LoadUnsafe(ref x[0], (nuint)k) - Vector256.LoadUnsafe(ref y[0], (nuint)k)).StoreUnsafe(ref into[0], (nuint)k);
            }
            for (; k < rows; k++) into[k] = x[k] - y[k];
            return true;
        }
        long bad = 0;
        for (int k = 0; k < rows; k++)
        {
            long r = x[k] - y[k];
            bad |= (x[k] ^ y[k]) & (x[k] ^ r);
            into[k] = r;
        }
        return bad >= 0;
    }

    [MethodImpl(HotLoop.Options)]
    private static bool MulScalar(long[] v, long c, int rows, long[] into, bool safe)
    {
        if (safe)
        {
            ref long a = ref MemoryMarshal.GetArrayDataReference(v);
            ref long o = ref MemoryMarshal.GetArrayDataReference(into);
            if (rows > v.Length || rows > into.Length) throw new ArgumentOutOfRangeException(nameof(rows));
            for (int k = 0; k < rows; k++) Unsafe.Add(ref o, k) = Unsafe.Add(ref a, k) * c;
            return true;
        }
        ulong bad = 0;
        for (int k = 0; k < rows; k++)
        {
            long hi = Math.BigMul(v[k], c, out long lo);
            bad |= (ulong)(hi ^ (lo >> 63));
            into[k] = lo;
        }
        return bad == 0;
    }

    [MethodImpl(HotLoop.Options)]
    private static bool Mul(long[] x, long[] y, int rows, long[] into, bool safe)
    {
        if (safe)
        {
            ref long a = ref MemoryMarshal.GetArrayDataReference(x);
            ref long b = ref MemoryMarshal.GetArrayDataReference(y);
            ref long o = ref MemoryMarshal.GetArrayDataReference(into);
            if (rows > x.Length || rows > y.Length || rows > into.Length) throw new ArgumentOutOfRangeException(nameof(rows));
            for (int k = 0; k < rows; k++) Unsafe.Add(ref o, k) = Unsafe.Add(ref a, k) * Unsafe.Add(ref b, k);
            return true;
        }
        ulong bad = 0;
        for (int k = 0; k < rows; k++)
        {
            long hi = Math.BigMul(x[k], y[k], out long lo);
            bad |= (ulong)(hi ^ (lo >> 63));
            into[k] = lo;
        }
        return bad == 0;
    }
}
