using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Planner.Binding;
using PgFusion.Types;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// The speed paths against the general code they shortcut (which the differential tests hold to
/// PostgreSQL): VectorFilter against the compiled filter kernel, the packed group index against
/// key equality. Random data with edge values (NaN, ±Infinity, -0, integer limits, NULLs, texts
/// too long to pack); a failure names its seed.
/// </summary>
public sealed class FastPathTests(ITestOutputHelper output)
{
    private static readonly int[] Sizes = [1, 7, 63, 64, 65, 1000, 1024];
    private static readonly int[] IntPool = [int.MinValue, -2191, -1826, -1, 0, 1, 10, 11, 1000, int.MaxValue];
    private static readonly long[] LongPool = [long.MinValue, -5, -1, 0, 1, 3, 7, 1L << 40, long.MaxValue];
    private static readonly double[] DoublePool = [double.NegativeInfinity, -1e300, -0.5, -0.0, 0.0, 0.05, 0.06, 0.07, 24, double.PositiveInfinity, double.NaN];

    // pg_proc OIDs: int4 eq..ge, date eq..ge, int8 eq..ge, float8 eq..ge
    private static readonly uint[] Int4Ops = [65, 144, 66, 149, 147, 150];
    private static readonly uint[] DateOps = [1086, 1091, 1087, 1088, 1089, 1090];
    private static readonly uint[] Int8Ops = [467, 468, 469, 471, 470, 472];
    private static readonly uint[] Float8Ops = [293, 294, 295, 296, 297, 298];

    [Fact]
    public void VectorFilterSelectsWhatTheKernelSelects()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var rnd = new Random(seed);
        PgType[] types = [PgType.Int4, PgType.Date, PgType.Int8, PgType.Float8];
        var cache = new KernelCache();
        for (int iteration = 0; iteration < 300; iteration++)
        {
            int rows = Sizes[rnd.Next(Sizes.Length)];
            var batch = new RecordBatch([Fill<int>(rnd, rows, ArrowType.Int32, IntPool), Fill<int>(rnd, rows, ArrowType.Date32, IntPool),
                Fill<long>(rnd, rows, ArrowType.Int64, LongPool), Fill<double>(rnd, rows, ArrowType.Float64, DoublePool)], rows);
            var terms = new List<BoundExpr>();
            for (int t = rnd.Next(1, 6); t > 0; t--)
            {
                int c = rnd.Next(types.Length);
                uint[] ops = c switch { 0 => Int4Ops, 1 => DateOps, 2 => Int8Ops, _ => Float8Ops };
                object value = c switch
                {
                    0 or 1 => (object)IntPool[rnd.Next(IntPool.Length)],
                    2 => (object)LongPool[rnd.Next(LongPool.Length)],
                    _ => (object)DoublePool[rnd.Next(DoublePool.Length - 1)], // a NaN constant is the kernel's
                };
                BoundExpr col = new BoundColumnRef(c, types[c], "c" + c);
                BoundExpr k = new BoundConst(value, types[c]);
                uint op = ops[rnd.Next(ops.Length)];
                terms.Add(new BoundFuncCall(op, "op" + op, rnd.Next(2) == 0 ? [col, k] : [k, col], PgType.Bool));
            }
            BoundExpr predicate = terms.Count == 1 ? terms[0] : new BoundBoolExpr(BoolOp.And, terms);
            var vector = VectorFilter.TryCreate(types, predicate);
            Assert.True(vector is not null, $"seed {seed}: no fast path for {string.Join(" AND ", terms.Select(t => ((BoundFuncCall)t).FuncOid + "(" + string.Join(",", ((BoundFuncCall)t).Args.Select(a => a is BoundConst k ? k.Value?.ToString() : "col")) + ")"))}");
            var expected = new int[rows];
            int expectedCount = KernelBuilder.Filter("filter", types, predicate, cache).Run(batch, expected, new KernelContext());
            var actual = new int[rows];
            Assert.True(vector.TryRun(batch, actual, out int count), $"seed {seed}: batch not eligible");
            Assert.True(expectedCount == count, $"seed {seed} iteration {iteration}: {count} rows selected, the kernel selects {expectedCount}");
            Assert.True(expected.AsSpan(0, count).SequenceEqual(actual.AsSpan(0, count)), $"seed {seed} iteration {iteration}: selections differ");
        }
    }

    // date_{eq,ne,lt,le,gt,ge}_timestamp and timestamp_{..}_date
    private static readonly uint[] DateTimestampOps = [2340, 2343, 2338, 2339, 2341, 2342, 2366, 2369, 2364, 2365, 2367, 2368];

    /// <summary>
    /// A date column against a timestamp constant runs as a day-number comparison: the same rows
    /// as the kernel (DateTimestampCmp), with constants at and off midnight, before 2000 and after,
    /// and dates at the ends of the range (infinities, past the timestamp range).
    /// </summary>
    [Fact]
    public void DateAgainstTimestampConstantSelectsWhatTheKernelSelects()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var rnd = new Random(seed);
        const long day = PgEpoch.MicrosPerDay;
        int[] dates = [int.MinValue, -2451545, -2191, -1827, -1826, -1825, -1, 0, 1, 106751991, 106751992, 109203528 - 2451545 - 1, 109203528 - 2451545, int.MaxValue];
        long[] stamps = [-1826 * day, -1826 * day + 1, -1826 * day - 1, -1825 * day, 0, 1, -1, day - 1, day, 106751982L * day, 106751982L * day + 1, 9223371331200000000L - 1, -211813488000000000L];
        PgType[] types = [PgType.Date];
        var cache = new KernelCache();
        int fast = 0;
        for (int iteration = 0; iteration < 400; iteration++)
        {
            int rows = Sizes[rnd.Next(Sizes.Length)];
            var batch = new RecordBatch([Fill<int>(rnd, rows, ArrowType.Date32, dates)], rows);
            uint op = DateTimestampOps[rnd.Next(DateTimestampOps.Length)];
            BoundExpr col = new BoundColumnRef(0, PgType.Date, "d");
            BoundExpr k = new BoundConst(stamps[rnd.Next(stamps.Length)], PgType.Timestamp);
            var predicate = new BoundFuncCall(op, "op" + op, op < 2360 ? [col, k] : [k, col], PgType.Bool);
            var expected = new int[rows];
            int expectedCount = KernelBuilder.Filter("filter", types, predicate, cache).Run(batch, expected, new KernelContext());
            var vector = VectorFilter.TryCreate(types, predicate);
            if (vector is null)
            {
                // only = and <> against a constant off midnight are left to the kernel
                Assert.True(op is 2340 or 2343 or 2366 or 2369 && (long)((BoundConst)k).Value! % day != 0, $"seed {seed}: no fast path for {op} {((BoundConst)k).Value}");
                continue;
            }
            var actual = new int[rows];
            Assert.True(vector.TryRun(batch, actual, out int count), $"seed {seed}: batch not eligible");
            Assert.True(expectedCount == count, $"seed {seed} iteration {iteration} op {op} constant {((BoundConst)k).Value}: {count} rows selected, the kernel selects {expectedCount}");
            Assert.True(expected.AsSpan(0, count).SequenceEqual(actual.AsSpan(0, count)), $"seed {seed} iteration {iteration}: selections differ");
            fast++;
        }
        Assert.True(fast > 200, $"only {fast} predicates took the fast path");
        foreach (long outside in new[] { long.MaxValue, long.MinValue, 9223371331200000000L, -211813488000000001L })
            Assert.Null(VectorFilter.TryCreate(types, new BoundFuncCall(2338, "date_lt_timestamp", [new BoundColumnRef(0, PgType.Date, "d"), new BoundConst(outside, PgType.Timestamp)], PgType.Bool)));
    }

    /// <summary>
    /// Only the leading covered comparisons take the fast path: one written after a conjunct that
    /// can raise stays behind it (PostgreSQL would raise for a row the comparison rejects).
    /// </summary>
    [Fact]
    public void VectorFilterTakesOnlyTheLeadingCoveredConjuncts()
    {
        BoundExpr i = new BoundColumnRef(0, PgType.Int4, "i");
        BoundExpr covered = new BoundFuncCall(147, "int4gt", [i, new BoundConst(0, PgType.Int4)], PgType.Bool);
        BoundExpr covered2 = new BoundFuncCall(66, "int4lt", [i, new BoundConst(9, PgType.Int4)], PgType.Bool);
        BoundExpr raising = new BoundFuncCall(147, "int4gt", [new BoundFuncCall(153, "int4div", [new BoundConst(1, PgType.Int4), i], PgType.Int4), new BoundConst(0, PgType.Int4)], PgType.Bool);
        Assert.Null(VectorFilter.TryCreate([PgType.Int4], new BoundBoolExpr(BoolOp.And, [raising, covered]), out var all));
        Assert.Equal(new BoundBoolExpr(BoolOp.And, [raising, covered]).Args, ((BoundBoolExpr)all!).Args);
        Assert.NotNull(VectorFilter.TryCreate([PgType.Int4], new BoundBoolExpr(BoolOp.And, [covered, raising, covered2]), out var rest));
        Assert.Equal([raising, covered2], ((BoundBoolExpr)rest!).Args);
        // an uncovered conjunct that never raises (an IN list, a comparison of two columns) does
        // not stop the covered ones after it; it joins the residual, in order
        BoundExpr j = new BoundColumnRef(1, PgType.Int4, "j");
        BoundExpr inList = new BoundBoolExpr(BoolOp.Or, [
            new BoundFuncCall(65, "int4eq", [i, new BoundConst(1, PgType.Int4)], PgType.Bool),
            new BoundFuncCall(65, "int4eq", [i, new BoundConst(5, PgType.Int4)], PgType.Bool)]) { FromScalarArray = true };
        BoundExpr iBelowJ = new BoundFuncCall(66, "int4lt", [i, j], PgType.Bool);
        Assert.NotNull(VectorFilter.TryCreate([PgType.Int4, PgType.Int4], new BoundBoolExpr(BoolOp.And, [inList, iBelowJ, covered, raising, covered2]), out var skipped));
        Assert.Equal([inList, iBelowJ, raising, covered2], ((BoundBoolExpr)skipped!).Args);
        Assert.Null(VectorFilter.TryCreate([PgType.Int4, PgType.Int4], new BoundBoolExpr(BoolOp.And, [inList, raising, covered]), out _));
    }

    [Fact]
    public void VectorFilterWithResidualSelectsWhatTheKernelSelects()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var rnd = new Random(seed);
        var numeric152 = new PgType(PgTypeOid.Numeric, ((15 << 16) | 2) + 4);
        PgType[] types = [PgType.Int4, numeric152];
        long[] unscaled = [-100000, -5, 0, 5, 6, 7, 2399, 2400, 2401, 1_000_000_000_000_000];
        PgNumeric[] constants = [new(24, 0), new(5, 2), new(7, 2), new(60, 3), new(65, 3), new(-1, 0), new(0, 0), new(24001, 3), new(2400, 2)];
        uint[] numericOps = [1718, 1719, 1722, 1723, 1720, 1721];
        var cache = new KernelCache();
        for (int iteration = 0; iteration < 300; iteration++)
        {
            int rows = Sizes[rnd.Next(Sizes.Length)];
            var dec = new DecimalColumn(Capacity(rnd, rows), 15, 2);
            for (int r = 0; r < dec.Values.Length; r++) dec.Values[r] = unscaled[rnd.Next(unscaled.Length)];
            dec.Length = rows;
            var batch = new RecordBatch([Fill<int>(rnd, rows, ArrowType.Int32, IntPool), dec], rows);
            var terms = new List<BoundExpr>();
            for (int t = rnd.Next(1, 6); t > 0; t--)
            {
                BoundExpr term = rnd.Next(3) switch
                {
                    0 => new BoundFuncCall(numericOps[rnd.Next(6)], "numeric_cmp", [new BoundColumnRef(1, numeric152, "n"), new BoundConst(constants[rnd.Next(constants.Length)], PgType.Numeric)], PgType.Bool),
                    1 => new BoundFuncCall(Int4Ops[rnd.Next(6)], "int4_cmp", [new BoundColumnRef(0, PgType.Int4, "i"), new BoundConst(IntPool[rnd.Next(IntPool.Length)], PgType.Int4)], PgType.Bool),
                    // not covered but never raising: an IN list (covered comparisons after it still take the fast path)
                    2 when rnd.Next(2) == 0 => new BoundBoolExpr(BoolOp.Or, [
                        new BoundFuncCall(65, "int4eq", [new BoundColumnRef(0, PgType.Int4, "i"), new BoundConst(IntPool[rnd.Next(IntPool.Length)], PgType.Int4)], PgType.Bool),
                        new BoundFuncCall(65, "int4eq", [new BoundColumnRef(0, PgType.Int4, "i"), new BoundConst(IntPool[rnd.Next(IntPool.Length)], PgType.Int4)], PgType.Bool)]) { FromScalarArray = true },
                    // not covered: a comparison of a computed value
                    _ => new BoundFuncCall(147, "int4gt", [new BoundFuncCall(156, "int4mod", [new BoundColumnRef(0, PgType.Int4, "i"), new BoundConst(7, PgType.Int4)], PgType.Int4), new BoundConst(2, PgType.Int4)], PgType.Bool),
                };
                terms.Add(term);
            }
            BoundExpr predicate = terms.Count == 1 ? terms[0] : new BoundBoolExpr(BoolOp.And, terms);
            var expected = new int[rows];
            int expectedCount = KernelBuilder.Filter("filter", types, predicate, cache).Run(batch, expected, new KernelContext());
            var vector = VectorFilter.TryCreate(types, predicate, out var residual);
            if (vector is null) continue;
            var actual = new int[rows];
            Assert.True(vector.TryRun(batch, actual, out int count), $"seed {seed}: batch not eligible");
            if (residual is not null && count > 0)
            {
                var kept = new RecordBatch(batch.Columns, rows) { Selection = actual, SelectedCount = count };
                var narrowed = new int[rows];
                count = KernelBuilder.Filter("residual", types, residual, cache).Run(kept, narrowed, new KernelContext());
                actual = narrowed;
            }
            Assert.True(expectedCount == count, $"seed {seed} iteration {iteration}: {count} rows selected, the kernel selects {expectedCount}");
            Assert.True(expected.AsSpan(0, count).SequenceEqual(actual.AsSpan(0, count)), $"seed {seed} iteration {iteration}: selections differ");
        }
    }

    [Fact]
    public void VectorFilterLeavesNullsAndSelectionsToTheKernel()
    {
        var col = Fill<int>(new Random(1), 100, ArrowType.Int32, IntPool);
        col.EnsureValidity(100).SetNull(5);
        var batch = new RecordBatch([col], 100);
        var vector = VectorFilter.TryCreate([PgType.Int4], new BoundFuncCall(66, "int4lt", [new BoundColumnRef(0, PgType.Int4, "a"), new BoundConst(10, PgType.Int4)], PgType.Bool))!;
        Assert.False(vector.TryRun(batch, new int[100], out _));
        col.Validity = null;
        batch.Selection = [1, 2, 3];
        batch.SelectedCount = 3;
        Assert.False(vector.TryRun(batch, new int[100], out _));
        var numeric152 = new PgType(PgTypeOid.Numeric, ((15 << 16) | 2) + 4);
        Assert.NotNull(VectorFilter.TryCreate([numeric152], new BoundFuncCall(1722, "numeric_lt", [new BoundColumnRef(0, numeric152, "n"), new BoundConst(new PgNumeric(24, 0), PgType.Numeric)], PgType.Bool)));
        Assert.Null(VectorFilter.TryCreate([numeric152], new BoundFuncCall(1722, "numeric_lt", [new BoundColumnRef(0, numeric152, "n"), new BoundConst(new PgNumeric(65, 3), PgType.Numeric)], PgType.Bool)));
        Assert.Null(VectorFilter.TryCreate([PgType.Text], new BoundFuncCall(67, "texteq", [new BoundColumnRef(0, PgType.Text, "t"), new BoundConst("x", PgType.Text)], PgType.Bool)));
    }

    [Fact]
    public void PackedGroupKeysGroupLikeKeyEquality()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var rnd = new Random(seed);
        var bpchar1 = new PgType(PgTypeOid.Bpchar, 5);
        PgType[][] shapes = [[bpchar1, bpchar1], [PgType.Int4, PgType.Int4], [PgType.Int2, PgType.Bool, PgType.Text], [PgType.Int4, PgType.Text, PgType.Int4]];
        string[] texts = ["", "A", "N", "R", "O", "F", "ab", "abc", "abcd", "abcde"];
        foreach (var shape in shapes)
        {
            var table = new GroupTable(shape);
            var reference = new Dictionary<string, int>();
            for (int b = 0; b < 5; b++)
            {
                int rows = Sizes[rnd.Next(Sizes.Length)];
                var keys = shape.Select(t => PgArrowMapping.CreateColumn(t, rows)).ToArray();
                var text = new string[shape.Length, rows];
                var nulls = new bool[rows];
                for (int j = 0; j < shape.Length; j++)
                {
                    var c = keys[j];
                    for (int r = 0; r < rows; r++)
                    {
                        bool isNull = rnd.Next(8) == 0;
                        string v;
                        switch (c)
                        {
                            case PrimitiveColumn<int> p: p.Values[r] = IntPool[rnd.Next(4)]; v = p.Values[r].ToString(System.Globalization.CultureInfo.InvariantCulture); break;
                            case PrimitiveColumn<short> p: p.Values[r] = (short)rnd.Next(-2, 3); v = p.Values[r].ToString(System.Globalization.CultureInfo.InvariantCulture); break;
                            case BooleanColumn p: bool x = rnd.Next(2) == 0; p.Set(r, x); v = x ? "t" : "f"; break;
                            case VarBinaryColumn p: v = texts[rnd.Next(texts.Length)]; p.Append(System.Text.Encoding.UTF8.GetBytes(v)); break;
                            default: throw new InvalidOperationException(c.GetType().Name);
                        }
                        nulls[r] = isNull;
                        text[j, r] = isNull ? "<null>" : v;
                    }
                    c.Length = rows;
                    if (nulls.AsSpan(0, rows).Contains(true))
                    {
                        var validity = c.EnsureValidity(rows);
                        for (int r = 0; r < rows; r++) validity.Set(r, !nulls[r]);
                    }
                }
                var ids = new int[rows];
                table.Lookup(keys, rows, ids);
                for (int r = 0; r < rows; r++)
                {
                    string key = string.Join("|", Enumerable.Range(0, shape.Length).Select(j => text[j, r]));
                    if (reference.TryGetValue(key, out int id))
                        Assert.True(id == ids[r], $"seed {seed}: key {key} got group {ids[r]}, earlier {id}");
                    else
                        reference[key] = ids[r];
                }
            }
            Assert.True(reference.Count == table.Count, $"seed {seed}: {reference.Count} distinct keys, {table.Count} groups");
            Assert.Equal(reference.Count, reference.Values.Distinct().Count());
        }
    }

    /// <summary>
    /// A column of <paramref name="rows"/> values, its array often longer (as a batch's arrays are
    /// allocated for its capacity) with values of the pool past the rows too: stale values the
    /// vector filter's last partial word loads and must not select.
    /// </summary>
    private static PrimitiveColumn<T> Fill<T>(Random rnd, int rows, ArrowType type, T[] pool) where T : unmanaged
    {
        var c = new PrimitiveColumn<T>(type, Capacity(rnd, rows));
        for (int r = 0; r < c.Values.Length; r++) c.Values[r] = pool[rnd.Next(pool.Length)];
        c.Length = rows;
        return c;
    }

    private static int Capacity(Random rnd, int rows) => rnd.Next(3) == 0 ? rows : rows + rnd.Next(1, 130);
}
