using System.Numerics;
using System.Runtime.Intrinsics.X86;
using PgFusion.Arrow;
using PgFusion.Codegen.Functions;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;
using PgFusion.Types;
using System.Runtime.CompilerServices;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// Q6's shape fused: an aggregate without GROUP BY right above a filter that
/// <see cref="VectorFilter"/> covers whole, whose aggregates are count(*) and sum/avg of a column
/// or of a product of two columns (float8, or numeric(p &lt;= 18, s) at fixed scale). Per batch
/// the filter's row bitmap drives the sums directly: no selection vector, no projected argument
/// column. Batches the fast path cannot take (a selection vector, NULLs, NaN/Infinity numerics)
/// go through the filter kernel and the aggregate's usual path.
/// </summary>
public sealed class FusedFilterAggregate
{
    private readonly VectorFilter filter;
    private readonly Fold[] folds;

    /// <summary>Only float8 sums and counts: the passing rows are listed before the fold (see <see cref="Compact"/>).</summary>
    private readonly bool indexed;

    [ThreadStatic]
    private static int[]? threadRows;

    private FusedFilterAggregate(VectorFilter filter, Fold[] folds, Kernel<FilterKernel> kernel, BoundExpr predicate)
    {
        this.filter = filter;
        this.folds = folds;
        indexed = folds.All(f => !f.Numeric);
        FilterKernel = kernel;
        Predicate = predicate;
    }

    /// <summary>Kernel of the whole predicate, for the batches the fast path leaves.</summary>
    public Kernel<FilterKernel> FilterKernel { get; }

    public BoundExpr Predicate { get; }

    /// <summary>One aggregate: its argument columns (none for count(*)), and whether numeric.</summary>
    private sealed record Fold(int A, int B, bool Numeric, int Scale);

    public static FusedFilterAggregate? TryCreate(PhysicalHashAggregate agg, IReadOnlyList<PgType> inputTypes, BoundExpr predicate, Func<Kernel<FilterKernel>> kernel)
    {
        if (agg.GroupKeys.Count > 0 || VectorFilter.TryCreate(inputTypes, predicate) is not { } vector) return null;
        var folds = new Fold[agg.Aggregates.Count];
        for (int a = 0; a < folds.Length; a++)
        {
            var g = agg.Aggregates[a];
            if (g.Distinct || g.Filter is not null || g.OrderBy is { Count: > 0 }) return null;
            if (g.AggOid == 2803)
            {
                folds[a] = new Fold(-1, -1, false, 0);
                continue;
            }
            if (g.Args.Count != 1) return null;
            bool numeric = g.AggOid is 2114 or 2103;
            if (!numeric && g.AggOid is not (2111 or 2105)) return null;
            if (Operand(g.Args[0], inputTypes, numeric) is not { } fold) return null;
            folds[a] = fold;
        }
        return new FusedFilterAggregate(vector, folds, kernel(), predicate);
    }

    /// <summary>col, or col * col, of float8 or of numeric(p &lt;= 18, s).</summary>
    private static Fold? Operand(BoundExpr e, IReadOnlyList<PgType> inputTypes, bool numeric)
    {
        int Column(BoundExpr x, out int scale)
        {
            scale = 0;
            if (x is not BoundColumnRef c || c.Index < 0 || c.Index >= inputTypes.Count || inputTypes[c.Index] != c.Type) return -1;
            if (!numeric) return c.Type.Oid == PgTypeOid.Float8 ? c.Index : -1;
            if (FixedNumeric.Column(c, inputTypes) is not { Digits: <= 18 } info) return -1;
            scale = info.Scale;
            return c.Index;
        }
        if (Column(e, out int s) is >= 0 and var a) return new Fold(a, -1, numeric, s);
        // float8mul (216), numeric_mul (1726)
        if (e is BoundFuncCall { Args.Count: 2 } f && f.FuncOid == (numeric ? 1726u : 216u)
            && Column(f.Args[0], out int s1) is >= 0 and var x && Column(f.Args[1], out int s2) is >= 0 and var y)
            return new Fold(x, y, numeric, s1 + s2);
        return null;
    }

    /// <summary>Mask words (of 64 rows) the filter evaluates before the rows of the previous range are folded.</summary>
    private const int ChunkWords = 8;

    /// <summary>
    /// Folds the batch's passing rows into group 0 of <paramref name="accumulators"/>; false when
    /// the batch does not qualify (nothing folded). Software-pipelined over ranges of
    /// <see cref="ChunkWords"/> mask words: the filter evaluates range k (every term), the cache
    /// lines of range k's passing rows in the aggregates' columns are prefetched, and range k - 1
    /// is folded, so the argument loads of the sparse passing rows (columns the filter does not
    /// stream) overlap the next range's compares. Each accumulator still takes its rows in row order.
    /// </summary>
    [MethodImpl(HotLoop.Options)] // per batch: out of the per-query operator loop, optimised from the first batch
    public bool TryFold(RecordBatch batch, Accumulator[] accumulators)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(accumulators);
        foreach (var f in folds)
        {
            if (!Qualifies(batch, f.A) || !Qualifies(batch, f.B)) return false;
        }
        if (!filter.TryPrepare(batch, out var mask, out int words)) return false;
        if (indexed) return FoldIndexed(batch, accumulators, mask, words);
        int previous = -1;
        for (int from = 0; from < words; from += ChunkWords)
        {
            int to = Math.Min(words, from + ChunkWords);
            filter.EvaluateWords(batch, from, to, mask);
            Prefetch(batch, mask, from, to);
            if (previous >= 0) FoldRange(batch, accumulators, mask, previous, from, null, 0, 0);
            previous = from;
        }
        if (previous >= 0) FoldRange(batch, accumulators, mask, previous, words, null, 0, 0);
        return true;
    }

    /// <summary>
    /// <see cref="TryFold"/> for float8 sums and counts: each range's passing rows are listed
    /// (<see cref="Compact"/>), prefetched and folded from the list, so the loops over a sparse
    /// mask, whose trip counts the branch predictor cannot guess, run once per range instead of
    /// once per word in the prefetch and again in every aggregate's fold.
    /// </summary>
    [MethodImpl(HotLoop.Options)]
    private bool FoldIndexed(RecordBatch batch, Accumulator[] accumulators, ulong[] mask, int words)
    {
        var rows = threadRows ??= new int[(64 * 64) + 4];
        if (rows.Length < (words << 6) + 4) threadRows = rows = new int[(words << 6) + 4];
        int previous = -1, previousStart = 0, n = 0;
        for (int from = 0; from < words; from += ChunkWords)
        {
            int to = Math.Min(words, from + ChunkWords);
            filter.EvaluateWords(batch, from, to, mask);
            int start = n;
            n = Compact(mask, from, to, rows, n);
            PrefetchRows(batch, rows, start, n);
            if (previous >= 0) FoldRange(batch, accumulators, mask, previous, from, rows, previousStart, start);
            (previous, previousStart) = (from, start);
        }
        if (previous >= 0) FoldRange(batch, accumulators, mask, previous, words, rows, previousStart, n);
        return true;
    }

    /// <summary>
    /// Appends the set bits of words [from, to) as row numbers to <paramref name="rows"/> from
    /// <paramref name="n"/>; returns the new count. The first four of a word are written without
    /// a branch (slots past the word's count are overwritten by the next word; rows has four
    /// spare slots), a loop takes the rest.
    /// </summary>
    [MethodImpl(HotLoop.Options)]
    private static int Compact(ulong[] mask, int from, int to, int[] rows, int n)
    {
        for (int w = from; w < to; w++)
        {
            ulong bits = mask[w];
            int baseRow = w << 6;
            int count = BitOperations.PopCount(bits);
            rows[n] = baseRow + BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            rows[n + 1] = baseRow + BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            rows[n + 2] = baseRow + BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            rows[n + 3] = baseRow + BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            for (int m = n + 4; bits != 0; bits &= bits - 1) rows[m++] = baseRow + BitOperations.TrailingZeroCount(bits);
            n += count;
        }
        return n;
    }

    [MethodImpl(HotLoop.Options)]
    private unsafe void PrefetchRows(RecordBatch batch, int[] rows, int from, int to)
    {
        if (!Sse.IsSupported) return;
        foreach (var f in folds)
        {
            for (int k = 0; k < 2; k++)
            {
                int c = k == 0 ? f.A : f.B;
                if (c < 0) continue;
                fixed (double* p = Doubles(batch, c))
                {
                    for (int r = from; r < to; r++) Sse.Prefetch0(p + rows[r]);
                }
            }
        }
    }

    /// <summary>
    /// Folds words [from, to) one aggregate after the other. Only float8 transitions raise
    /// (float8mul's and float8pl's overflow and underflow); when one does, the range is replayed
    /// in PostgreSQL's order (row by row, each row's aggregates in order) from the float
    /// accumulators' states before it, so the error raised is that of the first failing row and
    /// aggregate, as the unfused path raises it.
    /// </summary>
    [MethodImpl(HotLoop.Options)]
    private void FoldRange(RecordBatch batch, Accumulator[] accumulators, ulong[] mask, int from, int to, int[]? rows, int rowFrom, int rowTo)
    {
        Span<(double Sum, double N, double Sxx)> before = folds.Length <= 16 ? stackalloc (double, double, double)[folds.Length] : new (double, double, double)[folds.Length];
        for (int a = 0; a < folds.Length; a++)
        {
            if (folds[a] is { A: >= 0, Numeric: false }) before[a] = ((FloatSumAccumulator<double>)accumulators[a]).State;
        }
        try
        {
            if (rows is null) FoldRangeByAggregate(batch, accumulators, mask, from, to);
            else FoldRowsByAggregate(batch, accumulators, rows, rowFrom, rowTo);
        }
        catch (PgFusionException)
        {
            for (int w = from; w < to; w++)
            {
                for (ulong bits = mask[w]; bits != 0; bits &= bits - 1)
                {
                    int i = (w << 6) + BitOperations.TrailingZeroCount(bits);
                    for (int a = 0; a < folds.Length; a++)
                    {
                        if (folds[a] is not { A: >= 0, Numeric: false } f) continue;
                        var x = Doubles(batch, f.A);
                        double v = f.B < 0 ? x[i] : FloatFunctions.Float8Mul(x[i], Doubles(batch, f.B)[i]);
                        ((FloatSumAccumulator<double>)accumulators[a]).Replay(ref before[a], v);
                    }
                }
            }
            throw;
        }
    }

    [MethodImpl(HotLoop.Options)]
    private void FoldRowsByAggregate(RecordBatch batch, Accumulator[] accumulators, int[] rows, int from, int to)
    {
        for (int a = 0; a < folds.Length; a++)
        {
            var f = folds[a];
            if (f.A < 0) ((CountAccumulator)accumulators[a]).AddToGroup(0, to - from);
            else ((FloatSumAccumulator<double>)accumulators[a]).FoldRows(Doubles(batch, f.A), f.B < 0 ? null : Doubles(batch, f.B), rows, from, to);
        }
    }

    [MethodImpl(HotLoop.Options)]
    private void FoldRangeByAggregate(RecordBatch batch, Accumulator[] accumulators, ulong[] mask, int from, int to)
    {
        for (int a = 0; a < folds.Length; a++)
        {
            var f = folds[a];
            if (f.A < 0)
            {
                long n = 0;
                for (int w = from; w < to; w++) n += BitOperations.PopCount(mask[w]);
                ((CountAccumulator)accumulators[a]).AddToGroup(0, n);
            }
            else if (f.Numeric)
            {
                ((NumericSumAccumulator)accumulators[a]).FoldMasked(Decimals(batch, f.A), f.B < 0 ? null : Decimals(batch, f.B), f.Scale, mask, from, to);
            }
            else
            {
                ((FloatSumAccumulator<double>)accumulators[a]).FoldMasked(Doubles(batch, f.A), f.B < 0 ? null : Doubles(batch, f.B), mask, from, to);
            }
        }
    }

    /// <summary>Prefetches the argument values of the passing rows of words [from, to) (one cache line per value).</summary>
    private void Prefetch(RecordBatch batch, ulong[] mask, int from, int to)
    {
        if (!Sse.IsSupported) return;
        foreach (var f in folds)
        {
            if (f.A >= 0) PrefetchColumn(batch.Columns[f.A], mask, from, to);
            if (f.B >= 0) PrefetchColumn(batch.Columns[f.B], mask, from, to);
        }
    }

    [MethodImpl(HotLoop.Options)]
    private static unsafe void PrefetchColumn(Column column, ulong[] mask, int from, int to)
    {
        switch (column)
        {
            case PrimitiveColumn<double> d:
                fixed (double* p = d.Values)
                {
                    for (int w = from; w < to; w++)
                    {
                        for (ulong bits = mask[w]; bits != 0; bits &= bits - 1) Sse.Prefetch0(p + (w << 6) + BitOperations.TrailingZeroCount(bits));
                    }
                }
                break;
            case DecimalColumn n:
                fixed (Int128* p = n.Values)
                {
                    for (int w = from; w < to; w++)
                    {
                        for (ulong bits = mask[w]; bits != 0; bits &= bits - 1) Sse.Prefetch0(p + (w << 6) + BitOperations.TrailingZeroCount(bits));
                    }
                }
                break;
        }
    }

    /// <summary>The rows of a batch the fast path left that pass the filter (null when none do).</summary>
    public RecordBatch? Filter(RecordBatch batch, KernelContext context)
    {
        var selection = new int[Math.Max(batch.LiveRows, 1)];
        int count = FilterKernel.Run(batch, selection, context);
        return count == 0 ? null : new RecordBatch(batch.Columns, batch.Length) { Selection = selection, SelectedCount = count };
    }

    private static bool Qualifies(RecordBatch batch, int column)
    {
        if (column < 0) return true;
        var c = batch.Columns[column];
        if (c.Validity is not null && c.NullCount > 0) return false;
        return c is not DecimalColumn d || (d.Kinds is null && d.Big is null && d.Scales is null && d.FixedScale == d.DeclaredScale);
    }

    private static Int128[] Decimals(RecordBatch batch, int column) => ((DecimalColumn)batch.Columns[column]).Values;

    private static double[] Doubles(RecordBatch batch, int column) => ((PrimitiveColumn<double>)batch.Columns[column]).Values;
}
