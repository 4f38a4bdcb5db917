using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PgFusion.Arrow;
using PgFusion.Codegen.Functions;
using PgFusion.Planner.Binding;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// A fast path beside the compiled filter kernel for the commonest WHERE shape: an AND of
/// comparisons between an int4/date, int8/timestamp, float8 or numeric(p, s) column and a
/// constant of the same representation. Each comparison fills a row bitmap with Vector256 compares, the bitmaps are
/// ANDed, and the set bits become the selection vector. It runs only on batches without a
/// selection vector whose referenced columns have no NULLs; other batches take the kernel.
/// float8 follows PostgreSQL's ordering (NaN equals NaN and sorts above every number); a NaN
/// constant is left to the kernel.
/// </summary>
public sealed partial class VectorFilter
{
    private enum Op { Eq, Ne, Lt, Le, Gt, Ge }

    private readonly Term[] terms;
    private readonly FusedWords? fused;

    // Per thread, not per filter: a fused aggregate's filter lives in the shared plan, which
    // several sessions and a query's parallel partitions run at once. Callers consume the bits
    // before their thread's next call.
    [ThreadStatic]
    private static ulong[]? threadMask;

    private VectorFilter(Term[] terms)
    {
        this.terms = terms;
        fused = FusedWords.TryCreate(terms);
    }

    /// <summary>The fast path for <paramref name="predicate"/>, or null when its shape is not covered.</summary>
    public static VectorFilter? TryCreate(IReadOnlyList<PgFusion.Types.PgType> inputTypes, BoundExpr predicate) =>
        TryCreate(inputTypes, predicate, out var residual) is { } f && residual is null ? f : null;

    /// <summary>
    /// The fast path for the covered conjuncts of <paramref name="predicate"/> (null when none is
    /// covered); <paramref name="residual"/> is the AND of the others (null when all are covered),
    /// which the caller evaluates on the rows the fast path keeps. Covered conjuncts are taken up to
    /// the first conjunct that can raise (the planner has put the quals in PostgreSQL's order): they
    /// cannot raise, and a row they reject would not have reached that conjunct in PostgreSQL
    /// either. Conjuncts before it that are not covered but never raise
    /// (<see cref="Execution.ScanPrefilter.NeverRaises"/>: comparisons of columns, IN lists) go to
    /// the residual and evaluating them after the covered ones is not observable (TPC-H Q12's
    /// <c>l_shipmode IN (...)</c> comes first, its l_receiptdate range later).
    /// </summary>
    public static VectorFilter? TryCreate(IReadOnlyList<PgFusion.Types.PgType> inputTypes, BoundExpr predicate, out BoundExpr? residual)
    {
        ArgumentNullException.ThrowIfNull(inputTypes);
        ArgumentNullException.ThrowIfNull(predicate);
        var conjuncts = new List<BoundExpr>();
        Flatten(predicate, conjuncts);
        var terms = new List<Term>();
        var rest = new List<BoundExpr>();
        // Only the covered conjuncts before the first that can raise: PostgreSQL evaluates the quals
        // of a row in order and stops at the first false one, so a covered comparison written after
        // a conjunct that can raise (1/x, an overflowing product) must not spare that conjunct the
        // rows it rejects.
        bool blocked = false;
        foreach (var c in conjuncts)
        {
            if (blocked || !TryTerm(inputTypes, c, terms))
            {
                rest.Add(c);
                blocked |= !Execution.ScanPrefilter.NeverRaises(c);
            }
        }
        residual = rest.Count switch { 0 => null, 1 => rest[0], _ => new BoundBoolExpr(BoolOp.And, rest) };
        return terms.Count > 0 ? new VectorFilter([.. terms]) : null;
    }

    private static void Flatten(BoundExpr e, List<BoundExpr> into)
    {
        if (e is BoundBoolExpr { Op: BoolOp.And } and)
        {
            foreach (var a in and.Args) Flatten(a, into);
        }
        else
        {
            into.Add(e);
        }
    }

    private static bool TryTerm(IReadOnlyList<PgFusion.Types.PgType> inputTypes, BoundExpr e, List<Term> terms)
    {
        if (e is not BoundFuncCall { Args.Count: 2 } call || !FunctionRegistry.TryGet(call.FuncOid, out var impl)) return false;
        string m = impl.Method.Name;
        if (m.Length < 2) return false;
        if (impl.Method.DeclaringType == typeof(DateTimeFunctions) && TryDateTimestampTerm(inputTypes, m, call.Args[0], call.Args[1], terms)) return true;
        Op? op = ParseOp(m[^2..]);
        if (op is null) return false;
        var (left, right) = (call.Args[0], call.Args[1]);
        if (left is not BoundColumnRef && right is BoundColumnRef)
        {
            (left, right) = (right, left);
            op = op switch { Op.Lt => Op.Gt, Op.Le => Op.Ge, Op.Gt => Op.Lt, Op.Ge => Op.Le, var o => o };
        }
        // numeric(24::integer): the planner keeps casts of integer literals as calls
        if (right is BoundFuncCall cast && FixedNumeric.Constant(cast) is { } castValue) right = new BoundConst(castValue, PgFusion.Types.PgType.Numeric);
        if (left is not BoundColumnRef col || right is not BoundConst { Value: { } value }) return false;
        if (col.Index < 0 || col.Index >= inputTypes.Count || inputTypes[col.Index] != col.Type) return false;
        var clr = KernelTypes.ClrType(col.Type);
        string family = m[..^2];
        if (family == "Int4" && clr == typeof(int) && value is int i) AddTerm(terms, col.Index, op.Value, i);
        else if (family == "Int8" && clr == typeof(long) && value is long l) AddTerm(terms, col.Index, op.Value, l);
        else if (family == "Float8" && clr == typeof(double) && value is double d && !double.IsNaN(d))
            AddTerm(terms, col.Index, op.Value, d);
        else if (family.Length == 0 && impl.Method.DeclaringType == typeof(NumericFunctions) && clr == typeof(PgFusion.Types.PgNumeric)
            && value is PgFusion.Types.PgNumeric n && DecimalTerm.TryCreate(col, op.Value, n) is { } dt)
        {
            if (!terms.OfType<DecimalTerm>().Any(t => t.Column == col.Index && t.TryAdd(dt))) terms.Add(dt);
        }
        else return false;
        return true;
    }

    private const long MinTimestamp = -211_813_488_000_000_000L;
    private const long EndTimestamp = 9_223_371_331_200_000_000L;

    private static Op? ParseOp(string name) => name switch { "Eq" => Op.Eq, "Ne" => Op.Ne, "Lt" => Op.Lt, "Le" => Op.Le, "Gt" => Op.Gt, "Ge" => Op.Ge, _ => null };

    /// <summary>
    /// A date column against a finite timestamp constant (date_lt_timestamp and its kin: what
    /// `l_shipdate &lt; date '1994-01-01' + interval '1' year` is once the constant folds), as the
    /// equivalent comparison of the date's day number: with the constant at day D plus r
    /// microseconds (0 &lt;= r &lt; one day), d &lt; ts is d &lt; D when r = 0 and d &lt;= D otherwise; d &lt;=
    /// ts is d &lt;= D; and the mirror images. It agrees with DateTimestampCmp everywhere: dates past
    /// the timestamp range compare above every finite timestamp there, and above every in-range D here. An infinite
    /// or out-of-range constant, and = or &lt;&gt; against a constant off midnight, stay with the kernel.
    /// </summary>
    private static bool TryDateTimestampTerm(IReadOnlyList<PgFusion.Types.PgType> inputTypes, string method, BoundExpr left, BoundExpr right, List<Term> terms)
    {
        Op? op;
        if (method.Length == 15 && method.StartsWith("Date", StringComparison.Ordinal) && method.EndsWith("Timestamp", StringComparison.Ordinal))
        {
            op = ParseOp(method[4..6]);
        }
        else if (method.Length == 15 && method.StartsWith("Timestamp", StringComparison.Ordinal) && method.EndsWith("Date", StringComparison.Ordinal))
        {
            op = ParseOp(method[9..11]) switch { Op.Lt => Op.Gt, Op.Le => Op.Ge, Op.Gt => Op.Lt, Op.Ge => Op.Le, var o => o };
            (left, right) = (right, left);
        }
        else
        {
            return false;
        }
        if (op is null || left is not BoundColumnRef col || right is not BoundConst { Value: long ts }) return false;
        if (col.Index < 0 || col.Index >= inputTypes.Count || inputTypes[col.Index] != col.Type || KernelTypes.ClrType(col.Type) != typeof(int)) return false;
        // finite and inside the timestamp range [MIN_TIMESTAMP, END_TIMESTAMP): a date at or past
        // END_TIMESTAMP's day compares as +infinity, so the day numbers must stay below it
        if (ts is < MinTimestamp or >= EndTimestamp) return false;
        long day = ts >= 0 ? ts / PgFusion.Types.PgEpoch.MicrosPerDay : -((-ts + PgFusion.Types.PgEpoch.MicrosPerDay - 1) / PgFusion.Types.PgEpoch.MicrosPerDay);
        bool midnight = ts == day * PgFusion.Types.PgEpoch.MicrosPerDay;
        Op? dateOp = op switch
        {
            Op.Lt => midnight ? Op.Lt : Op.Le,
            Op.Le => Op.Le,
            Op.Gt => Op.Gt,
            Op.Ge => midnight ? Op.Ge : Op.Gt,
            _ => midnight ? op : null,
        };
        if (dateOp is null) return false;
        AddTerm(terms, col.Index, dateOp.Value, checked((int)day));
        return true;
    }

    /// <summary>A comparison on a column that already has one joins it (a range: one pass over the column for both bounds).</summary>
    private static void AddTerm<T>(List<Term> terms, int column, Op op, T constant) where T : unmanaged, INumber<T>
    {
        if (!terms.OfType<Term<T>>().Any(t => t.Column == column && t.TryAdd(op, constant))) terms.Add(new Term<T>(column, op, constant));
    }

    /// <summary>Writes the passing rows to <paramref name="selection"/>; false when the batch is not eligible.</summary>
    public bool TryRun(RecordBatch batch, int[] selection, out int count)
    {
        ArgumentNullException.ThrowIfNull(selection);
        count = 0;
        if (!TryRunMask(batch, out var bits, out int words)) return false;
        int n = 0;
        for (int w = 0; w < words; w++)
        {
            ulong word = bits[w];
            int baseRow = w << 6;
            while (word != 0)
            {
                selection[n++] = baseRow + BitOperations.TrailingZeroCount(word);
                word &= word - 1;
            }
        }
        count = n;
        return true;
    }

    /// <summary>
    /// The passing rows as a bitmap (bit r of word r / 64, words covering the batch; the array is
    /// reused by the next call); false when the batch is not eligible.
    /// </summary>
    public bool TryRunMask(RecordBatch batch, out ulong[] bits, out int words)
    {
        if (!TryPrepare(batch, out bits, out words)) return false;
        EvaluateWords(batch, 0, words, bits);
        return true;
    }

    /// <summary>
    /// Whether the batch is eligible, and the bitmap (the thread's, reused by the next call) and
    /// its word count for <see cref="EvaluateWords"/>; nothing is evaluated.
    /// </summary>
    public bool TryPrepare(RecordBatch batch, out ulong[] bits, out int words)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var mask = threadMask ??= new ulong[64];
        bits = mask;
        words = 0;
        if (batch.Selection is not null) return false;
        foreach (var t in terms)
        {
            if (!t.Eligible(batch.Columns[t.Column])) return false;
        }
        words = (batch.Length + 63) >> 6;
        if (mask.Length < words) threadMask = mask = new ulong[words];
        bits = mask;
        return true;
    }

    /// <summary>
    /// The passing rows of words [<paramref name="fromWord"/>, <paramref name="toWord"/>) of an
    /// eligible batch (<see cref="TryPrepare"/>) into those words of <paramref name="bits"/>: every
    /// term over the range, so a caller can consume a range while its columns are in cache.
    /// </summary>
    [MethodImpl(HotLoop.Options)]
    public void EvaluateWords(RecordBatch batch, int fromWord, int toWord, ulong[] bits)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int rows = batch.Length;
        int w = fused is null ? fromWord : fused.Evaluate(batch.Columns, rows, fromWord, toWord, bits);
        // one word of every term at a time: the terms' columns stream side by side (more loads in
        // flight than one column after another), measured faster than longer runs per term
        for (; w < toWord; w++)
        {
            for (int t = 0; t < terms.Length; t++) terms[t].Evaluate(batch.Columns[terms[t].Column], rows, w, w + 1, bits, and: t > 0);
        }
    }

    /// <summary>
    /// The words a term evaluates with vector loads: the full words, and the last partial one
    /// too when the value array extends past the rows to a whole word (a batch's arrays are
    /// allocated for its capacity, so they do; late materialization's page-sized stage batches
    /// of ~60 rows have no full word at all). The values past the rows are stale values
    /// of the column's own type (NaN included): they compare without raising, and <see cref="RowsMask"/>
    /// clears their bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int VectorWords(int rows, int toWord, int length)
    {
        int words = Math.Min(toWord, (rows + 63) >> 6);
        if ((long)words << 6 <= length) return words;
        int full = Math.Min(toWord, rows >> 6);
        return (long)full << 6 <= length ? full : 0;
    }

    /// <summary>The bits of word <paramref name="w"/> that are rows (all 64 but in the last, partial word).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong RowsMask(int rows, int w)
    {
        int left = rows - (w << 6);
        return left >= 64 ? ulong.MaxValue : (1UL << left) - 1;
    }

    private abstract class Term(int column)
    {
        public int Column { get; } = column;

        public abstract bool Eligible(Column column);

        /// <summary>This term as a <see cref="FusedWords"/> member, or null when it has none.</summary>
        public virtual IWordTerm? WordTerm() => null;

        /// <summary>
        /// The row bitmap of this term over words [<paramref name="fromWord"/>, <paramref name="toWord"/>)
        /// (bit r of word r / 64; words past the rows untouched) into <paramref name="bits"/>, or
        /// ANDed into it when <paramref name="and"/>.
        /// </summary>
        public abstract void Evaluate(Column column, int rows, int fromWord, int toWord, ulong[] bits, bool and);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        protected static void Store(ulong[] bits, int w, ulong word, bool and) => bits[w] = and ? bits[w] & word : word;

    }

    /// <summary>numeric(p, s) column (finite values, one scale) against a constant exact at that scale: Int128 compares.</summary>
    private sealed class DecimalTerm(int column, Op op, Int128 constant, int scale, int precision) : Term(column)
    {
        private Op op2;
        private Int128 constant2;
        private bool second;

        public static DecimalTerm? TryCreate(BoundColumnRef col, Op op, PgFusion.Types.PgNumeric value)
        {
            int typmod = col.Type.Typmod;
            if (typmod < 4 || !value.IsFinite || value.Big is not null) return null;
            int scale = (typmod - 4) & 0xFFFF;
            int shift = scale - value.Scale;
            Int128 c = value.Unscaled;
            if (shift < 0)
            {
                if (shift < -18) return null;
                Int128 p = Pow10(-shift);
                if (c % p != 0) return null;
                c /= p;
            }
            else
            {
                if (shift > 18 || Int128.Abs(c) >= Pow10(18)) return null;
                c *= Pow10(shift);
            }
            return new DecimalTerm(col.Index, op, c, scale, (typmod - 4) >> 16);
        }

        /// <summary>Takes <paramref name="other"/>'s comparison as this term's second bound.</summary>
        public bool TryAdd(DecimalTerm other)
        {
            if (second || other.second || other.Scale != scale || Narrow(other.Bound) != Narrow(constant)) return false;
            (op2, constant2, second) = (other.Operator, other.Bound, true);
            return true;
        }

        private Op Operator => op;

        private Int128 Bound => constant;

        private int Scale => scale;

        private static Int128 Pow10(int n)
        {
            Int128 p = 1;
            for (int i = 0; i < n; i++) p *= 10;
            return p;
        }

        public override bool Eligible(Column column) =>
            column is DecimalColumn d && d.FixedScale == scale && d.Kinds is null && d.Big is null && d.Scales is null
            && (d.Validity is null || d.NullCount == 0);

        /// <summary>numeric(p &lt;= 18, s) values fit a long: compare the low halves of the Int128s four at a time.</summary>
        private bool Narrow(Int128 c) => precision <= 18 && c >= long.MinValue && c <= long.MaxValue && Avx2.IsSupported && Vector256.IsHardwareAccelerated;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<long> Compare(Vector256<long> x, Op op, Vector256<long> c) => op switch
        {
            Op.Eq => Vector256.Equals(x, c),
            Op.Ne => ~Vector256.Equals(x, c),
            Op.Lt => Vector256.LessThan(x, c),
            Op.Le => Vector256.LessThanOrEqual(x, c),
            Op.Gt => Vector256.GreaterThan(x, c),
            _ => Vector256.GreaterThanOrEqual(x, c),
        };

        private static bool Scalar(Int128 x, Op op, Int128 c) => op switch
        {
            Op.Eq => x == c,
            Op.Ne => x != c,
            Op.Lt => x < c,
            Op.Le => x <= c,
            Op.Gt => x > c,
            _ => x >= c,
        };

        [MethodImpl(HotLoop.Options)]
        public override void Evaluate(Column column, int rows, int fromWord, int toWord, ulong[] bits, bool and)
        {
            var values = ((DecimalColumn)column).Values;
            int w = fromWord;
            int vectorEnd = VectorWords(rows, toWord, values.Length);
            if (Narrow(constant))
            {
                var halves = MemoryMarshal.Cast<Int128, long>(values.AsSpan(0, vectorEnd << 6));
                var c = Vector256.Create((long)constant);
                var c2 = Vector256.Create((long)(second ? constant2 : 0));
                for (; w < vectorEnd; w++)
                {
                    ulong word = 0;
                    for (int j = 0; j < 64; j += 4)
                    {
                        int r = (w << 6) + j;
                        var a = Vector256.Create(halves.Slice(2 * r, 4));
                        var b = Vector256.Create(halves.Slice(2 * r + 4, 4));
                        var x = Avx2.Permute4x64(Avx2.UnpackLow(a, b), 0b11_01_10_00);
                        var m = Compare(x, op, c);
                        if (second) m &= Compare(x, op2, c2);
                        word |= (ulong)m.ExtractMostSignificantBits() << j;
                    }
                    Store(bits, w, word & RowsMask(rows, w), and);
                }
            }
            for (; w < toWord && w << 6 < rows; w++)
            {
                ulong word = 0;
                int end = Math.Min(rows, (w + 1) << 6);
                for (int r = w << 6; r < end; r++)
                {
                    if (Scalar(values[r], op, constant) && (!second || Scalar(values[r], op2, constant2))) word |= 1UL << (r & 63);
                }
                Store(bits, w, word, and);
            }
        }
    }

    private sealed class Term<T>(int column, Op op, T constant) : Term(column) where T : unmanaged, INumber<T>
    {
        private Op op2;
        private T constant2 = T.Zero;
        private bool second;

        /// <summary>Takes a second comparison on the same column (both must hold).</summary>
        public bool TryAdd(Op nextOp, T nextConstant)
        {
            if (second) return false;
            (op2, constant2, second) = (nextOp, nextConstant, true);
            return true;
        }

        public override bool Eligible(Column column) =>
            column is PrimitiveColumn<T> p && (p.Validity is null || p.NullCount == 0) && Vector256.IsHardwareAccelerated;

        private RangeKernel? kernel;

        public override IWordTerm? WordTerm()
        {
            if (!Vector256.IsHardwareAccelerated || 64 % (4 * Vector256<T>.Count) != 0) return null;
            var type = typeof(RangeWord<,>).MakeGenericType(typeof(T), RangeKernel.OpType(op, constant), second ? RangeKernel.OpType(op2, constant2) : typeof(True));
            return (IWordTerm)Activator.CreateInstance(type, Column, constant, constant2)!;
        }

        /// <summary>The term over one full word, for <see cref="FusedWords"/>: a struct, so the fused loop inlines it.</summary>
        private readonly struct RangeWord<TFirst, TSecond>(int column, T constant, T constant2) : IWordTerm
            where TFirst : struct, ICompare
            where TSecond : struct, ICompare
        {
            public static int WordBytes => 64 * Unsafe.SizeOf<T>();

            public Vector256<byte> First { get; } = Vector256.Create(constant).AsByte();

            public Vector256<byte> Second { get; } = Vector256.Create(constant2).AsByte();

            public ref byte Bind(IReadOnlyList<Column> columns, int words, out bool ok)
            {
                ok = columns[column] is PrimitiveColumn<T> p && ((long)words << 6) <= p.Values.Length;
                return ref ok ? ref Unsafe.As<T, byte>(ref MemoryMarshal.GetArrayDataReference(((PrimitiveColumn<T>)columns[column]).Values)) : ref Unsafe.NullRef<byte>();
            }

            /// <summary>Four vectors per step, their masks merged at constant shifts: half the instructions of one vector per step.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static ulong Word(ref byte word, Vector256<byte> first, Vector256<byte> second)
            {
                ref T at = ref Unsafe.As<byte, T>(ref word);
                var c = first.As<byte, T>();
                var c2 = second.As<byte, T>();
                // nuint offsets fold into the loads' addressing; the four masks (at most 4 x 8 bits)
                // merge in 32 bits, widened once per step
                nuint n = (nuint)Vector256<T>.Count;
                ulong bits = 0;
                for (nuint j = 0; j < 64; j += 4 * n)
                {
                    uint m0 = Mask(Vector256.LoadUnsafe(ref at, j), c, c2);
                    uint m1 = Mask(Vector256.LoadUnsafe(ref at, j + n), c, c2);
                    uint m2 = Mask(Vector256.LoadUnsafe(ref at, j + 2 * n), c, c2);
                    uint m3 = Mask(Vector256.LoadUnsafe(ref at, j + 3 * n), c, c2);
                    bits |= (ulong)(m0 | m1 << (int)n | m2 << (int)(2 * n) | m3 << (int)(3 * n)) << (int)j;
                }
                return bits;
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static uint Mask(Vector256<T> x, Vector256<T> c, Vector256<T> c2) => (TFirst.Vector(x, c) & TSecond.Vector(x, c2)).ExtractMostSignificantBits();
        }

        public override void Evaluate(Column column, int rows, int fromWord, int toWord, ulong[] bits, bool and) =>
            (kernel ??= RangeKernel.For(op, constant, second ? op2 : null, constant2)).Evaluate(((PrimitiveColumn<T>)column).Values, rows, fromWord, toWord, bits, and);

        /// <summary>
        /// The term's loop with its comparisons as type arguments, so the JIT compiles one loop per
        /// shape with the compares inline (no per-vector dispatch on the operator).
        /// </summary>
        private abstract class RangeKernel
        {
            public abstract void Evaluate(T[] values, int rows, int fromWord, int toWord, ulong[] bits, bool and);

            public static RangeKernel For(Op op, T c, Op? op2, T c2)
            {
                var type = typeof(RangeKernel<,>).MakeGenericType(typeof(T), OpType(op, c), op2 is { } o ? OpType(o, c2) : typeof(True));
                return (RangeKernel)Activator.CreateInstance(type, c, c2)!;
            }

            public static Type OpType(Op op, T c) => op switch
            {
                Op.Eq => typeof(EqOp),
                Op.Ne => typeof(NeOp),
                Op.Lt => typeof(LtOp),
                Op.Le => typeof(LeOp),
                // x > c for a number c holds exactly when x <= c does not (NaN included): one compare instead of three
                Op.Gt => IsFloat && !T.IsNaN(c) ? typeof(NotLeOp) : typeof(GtOp),
                _ => IsFloat && !T.IsNaN(c) ? typeof(NotLtOp) : typeof(GeOp),
            };

            private static bool IsFloat => typeof(T) == typeof(double) || typeof(T) == typeof(float);
        }

        private sealed class RangeKernel<TFirst, TSecond>(T constant, T constant2) : RangeKernel
            where TFirst : struct, ICompare
            where TSecond : struct, ICompare
        {
            [MethodImpl(HotLoop.Options)]
            public override void Evaluate(T[] values, int rows, int fromWord, int toWord, ulong[] bits, bool and)
            {
                int per = Vector256<T>.Count;
                var c = Vector256.Create(constant);
                var c2 = Vector256.Create(constant2);
                int w = fromWord;
                int vectorEnd = VectorWords(rows, toWord, values.Length);
                if (vectorEnd > w)
                {
                    ref T start = ref MemoryMarshal.GetArrayDataReference(values);
                    for (; w < vectorEnd; w++)
                    {
                        ulong word = 0;
                        ref T at = ref Unsafe.Add(ref start, w << 6);
                        for (int j = 0; j < 64; j += per)
                        {
                            var x = Vector256.LoadUnsafe(ref at, (nuint)j);
                            var m = TFirst.Vector(x, c) & TSecond.Vector(x, c2);
                            word |= (ulong)m.ExtractMostSignificantBits() << j;
                        }
                        word &= RowsMask(rows, w);
                        bits[w] = and ? bits[w] & word : word;
                    }
                }
                for (; w < toWord && w << 6 < rows; w++)
                {
                    ulong word = 0;
                    int end = Math.Min(rows, (w + 1) << 6);
                    for (int r = w << 6; r < end; r++)
                    {
                        if (TFirst.Scalar(values[r], constant) && TSecond.Scalar(values[r], constant2)) word |= 1UL << (r & 63);
                    }
                    bits[w] = and ? bits[w] & word : word;
                }
            }
        }

        /// <summary>One comparison against a constant, PostgreSQL's float8 ordering included (NaN above every number).</summary>
        private interface ICompare
        {
            static abstract Vector256<T> Vector(Vector256<T> x, Vector256<T> c);

            static abstract bool Scalar(T x, T c);
        }

        private static Vector256<T> NaNs(Vector256<T> x) => typeof(T) == typeof(double) ? ~Vector256.Equals(x, x) : Vector256<T>.Zero;

        private readonly struct True : ICompare
        {
            public static Vector256<T> Vector(Vector256<T> x, Vector256<T> c) => Vector256<T>.AllBitsSet;

            public static bool Scalar(T x, T c) => true;
        }

        private readonly struct EqOp : ICompare
        {
            public static Vector256<T> Vector(Vector256<T> x, Vector256<T> c) => Vector256.Equals(x, c);

            public static bool Scalar(T x, T c) => Term<T>.Scalar(x, Op.Eq, c);
        }

        private readonly struct NeOp : ICompare
        {
            public static Vector256<T> Vector(Vector256<T> x, Vector256<T> c) => ~Vector256.Equals(x, c);

            public static bool Scalar(T x, T c) => Term<T>.Scalar(x, Op.Ne, c);
        }

        private readonly struct LtOp : ICompare
        {
            public static Vector256<T> Vector(Vector256<T> x, Vector256<T> c) => Vector256.LessThan(x, c);

            public static bool Scalar(T x, T c) => Term<T>.Scalar(x, Op.Lt, c);
        }

        private readonly struct LeOp : ICompare
        {
            public static Vector256<T> Vector(Vector256<T> x, Vector256<T> c) => Vector256.LessThanOrEqual(x, c);

            public static bool Scalar(T x, T c) => Term<T>.Scalar(x, Op.Le, c);
        }

        private readonly struct GtOp : ICompare
        {
            public static Vector256<T> Vector(Vector256<T> x, Vector256<T> c) => Vector256.GreaterThan(x, c) | NaNs(x);

            public static bool Scalar(T x, T c) => Term<T>.Scalar(x, Op.Gt, c);
        }

        /// <summary>x &gt; c as not (x &lt;= c): NaN x passes, as PostgreSQL orders NaN above every number (c is not NaN).</summary>
        private readonly struct NotLeOp : ICompare
        {
            public static Vector256<T> Vector(Vector256<T> x, Vector256<T> c) => ~Vector256.LessThanOrEqual(x, c);

            public static bool Scalar(T x, T c) => Term<T>.Scalar(x, Op.Gt, c);
        }

        /// <summary>x &gt;= c as not (x &lt; c) (c is not NaN).</summary>
        private readonly struct NotLtOp : ICompare
        {
            public static Vector256<T> Vector(Vector256<T> x, Vector256<T> c) => ~Vector256.LessThan(x, c);

            public static bool Scalar(T x, T c) => Term<T>.Scalar(x, Op.Ge, c);
        }

        private readonly struct GeOp : ICompare
        {
            public static Vector256<T> Vector(Vector256<T> x, Vector256<T> c) => Vector256.GreaterThanOrEqual(x, c) | NaNs(x);

            public static bool Scalar(T x, T c) => Term<T>.Scalar(x, Op.Ge, c);
        }

        private static bool Scalar(T x, Op op, T constant)
        {
            bool nan = T.IsNaN(x);
            return op switch
            {
                Op.Eq => !nan && x == constant,
                Op.Ne => nan || x != constant,
                Op.Lt => !nan && x < constant,
                Op.Le => !nan && x <= constant,
                Op.Gt => nan || x > constant,
                _ => nan || x >= constant,
            };
        }
    }
}
