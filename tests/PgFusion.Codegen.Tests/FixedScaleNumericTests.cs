using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Values;
using PgFusion.Planner.Binding;
using PgFusion.Types;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// Fixed-scale numeric kernels (Int128 at compile-time scales) against the row-at-a-time
/// ReferenceEvaluator on PgNumeric (which the differential tests hold to PostgreSQL): random
/// add/sub/mul/negate trees over numeric(p, s) columns of mixed scales and constants, negative
/// values, NULL densities 0/50/100 %, batches of 1/7/1024/4096 rows; values near 10^38 force the
/// overflow fallback; NaN/Infinity/Big rows force the general kernel. Values and display scales
/// must be equal. A failure names its seed.
/// </summary>
public sealed class FixedScaleNumericTests(ITestOutputHelper output)
{
    private static readonly int[] Sizes = [1, 7, 1024, 4096];
    private static readonly double[] NullDensities = [0, 0.5, 1];
    private static PgType Numeric(int p, int s) => new(PgTypeOid.Numeric, ((p << 16) | s) + 4);

    // numeric(15,2) as TPC-H, numeric(10,4), numeric(5,0), numeric(38,0) (overflow), numeric(18,6)
    private static readonly PgType[] Types = [Numeric(15, 2), Numeric(10, 4), Numeric(5, 0), Numeric(38, 0), Numeric(18, 6)];
    private static readonly PgNumeric[] Constants = [new(1, 0), new(-1, 0), new(5, 2), new(7, 2), new(24, 0), new(105, 3), new(0, 0), new(-12345, 4), new(99999, 1)];

    private static Int128 RandomValue(Random rnd, PgType type)
    {
        int p = type.NumericPrecision!.Value;
        Int128 max = 1;
        for (int i = 0; i < p; i++) max *= 10;
        max -= 1;
        Int128 v = rnd.Next(4) switch
        {
            0 => max, // the largest value the type holds
            1 => rnd.Next(0, 1000),
            2 => (Int128)rnd.NextInt64(0, long.MaxValue) % (max + 1),
            _ => (Int128)rnd.Next(0, 100_000) * (max / 100_000),
        };
        return rnd.Next(3) == 0 ? -v : v;
    }

    private static RecordBatch MakeBatch(Random rnd, int rows, double nullDensity, bool special)
    {
        var columns = new Column[Types.Length];
        for (int c = 0; c < Types.Length; c++)
        {
            var col = (DecimalColumn)PgArrowMapping.CreateColumn(Types[c], rows);
            for (int r = 0; r < rows; r++) col.Values[r] = RandomValue(rnd, Types[c]);
            if (nullDensity > 0)
            {
                var validity = col.EnsureValidity(rows);
                for (int r = 0; r < rows; r++) validity.Set(r, rnd.NextDouble() >= nullDensity);
            }
            if (special && c == 0)
            {
                var kinds = col.EnsureKinds();
                kinds[rnd.Next(rows)] = (byte)(rnd.Next(3) + 1); // NaN, +Infinity, -Infinity
            }
            col.Length = rows;
            columns[c] = col;
        }
        return new RecordBatch(columns, rows);
    }

    private static BoundExpr RandomExpr(Random rnd, int depth)
    {
        if (depth == 0 || rnd.Next(4) == 0)
        {
            if (rnd.Next(4) == 0) return new BoundConst(Constants[rnd.Next(Constants.Length)], PgType.Numeric);
            int c = rnd.Next(Types.Length);
            return new BoundColumnRef(c, Types[c], "n" + c);
        }
        return rnd.Next(5) switch
        {
            0 => new BoundFuncCall(1771, "numeric_uminus", [RandomExpr(rnd, depth - 1)], PgType.Numeric),
            1 => new BoundFuncCall(1725, "numeric_sub", [RandomExpr(rnd, depth - 1), RandomExpr(rnd, depth - 1)], PgType.Numeric),
            2 => new BoundFuncCall(1726, "numeric_mul", [RandomExpr(rnd, depth - 1), RandomExpr(rnd, depth - 1)], PgType.Numeric),
            _ => new BoundFuncCall(1724, "numeric_add", [RandomExpr(rnd, depth - 1), RandomExpr(rnd, depth - 1)], PgType.Numeric),
        };
    }

    private static string Text(object? v) => v is null ? "<null>" : v is PgNumeric n ? n.ToString() : v.ToString()!;

    [Fact]
    public void ProjectionsEqualTheReferenceEvaluator()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var rnd = new Random(seed);
        var cache = new KernelCache();
        var reference = new ReferenceEvaluator(new KernelContext());
        int checkedRows = 0;
        for (int iteration = 0; iteration < 120; iteration++)
        {
            var exprs = Enumerable.Range(0, 3).Select(_ => RandomExpr(rnd, 3)).ToArray();
            if (!exprs.Any(e => FixedNumeric.AnyFixed(e, Types))) continue;
            var kernel = KernelBuilder.Project("project", Types, exprs, cache);
            // plain columns only: ColumnCopyKernel, checked against the evaluator like the rest
            if (ColumnCopyKernel.Sources(exprs, Types) is null) Assert.NotNull(kernel.FixedScaleSource);
            int rows = Sizes[rnd.Next(Sizes.Length)];
            var batch = MakeBatch(rnd, rows, NullDensities[rnd.Next(NullDensities.Length)], special: rnd.Next(5) == 0);
            if (rnd.Next(4) == 0)
            {
                // a selection vector: the kernel reads selected rows and writes them compacted
                var sel = Enumerable.Range(0, rows).Where(_ => rnd.Next(2) == 0).ToArray();
                batch.Selection = sel;
                batch.SelectedCount = sel.Length;
            }
            var outputs = exprs.Select(e => PgArrowMapping.CreateColumn(e.Type, rows)).ToArray();
            int live = batch.LiveRows;
            foreach (var o in outputs) KernelColumns.Prepare(o, live);
            string? error = null;
            try
            {
                kernel.Run(batch, outputs, new KernelContext());
            }
            catch (PgFusionException e)
            {
                error = e.Message;
            }
            for (int k = 0; k < live; k++)
            {
                int row = batch.Selection is null ? k : batch.Selection[k];
                for (int j = 0; j < exprs.Length; j++)
                {
                    object? want;
                    try
                    {
                        want = reference.Evaluate(exprs[j], batch.Columns, row);
                    }
                    catch (PgFusionException e)
                    {
                        Assert.True(error is not null, $"seed {seed} iteration {iteration}: the reference raises {e.Message}, the kernel does not");
                        goto next;
                    }
                    Assert.True(error is null, $"seed {seed} iteration {iteration}: the kernel raised {error}, the reference did not");
                    var col = (DecimalColumn)outputs[j];
                    object? got = col.IsNull(k) ? null : KernelColumns.GetNumeric(col, k);
                    Assert.True(Text(want) == Text(got), $"seed {seed} iteration {iteration} row {row} expr {j} ({Dump.ExprText.Of(exprs[j], [.. Types.Select((t, i) => new PgFusion.Planner.Physical.OutputColumn("n" + i, t))])}): kernel {Text(got)}, reference {Text(want)}");
                    checkedRows++;
                }
            }
        next:;
        }
        Assert.True(checkedRows > 0, $"seed {seed}: nothing compared");
    }

    [Fact]
    public void FiltersEqualTheReferenceEvaluator()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var rnd = new Random(seed);
        var cache = new KernelCache();
        var reference = new ReferenceEvaluator(new KernelContext());
        uint[] ops = [1718, 1719, 1720, 1721, 1722, 1723];
        for (int iteration = 0; iteration < 150; iteration++)
        {
            var terms = Enumerable.Range(0, rnd.Next(1, 4))
                .Select(_ => (BoundExpr)new BoundFuncCall(ops[rnd.Next(ops.Length)], "numeric_cmp", [RandomExpr(rnd, 2), RandomExpr(rnd, 2)], PgType.Bool)).ToList();
            BoundExpr predicate = terms.Count == 1 ? terms[0] : new BoundBoolExpr(BoolOp.And, terms);
            int rows = Sizes[rnd.Next(Sizes.Length)];
            var batch = MakeBatch(rnd, rows, NullDensities[rnd.Next(NullDensities.Length)], special: rnd.Next(5) == 0);
            var kernel = KernelBuilder.Filter("filter", Types, predicate, cache);
            var selection = new int[rows];
            int count = kernel.Run(batch, selection, new KernelContext());
            var expected = Enumerable.Range(0, rows).Where(r => reference.Evaluate(predicate, batch.Columns, r) is true).ToArray();
            Assert.True(expected.AsSpan().SequenceEqual(selection.AsSpan(0, count)),
                $"seed {seed} iteration {iteration}: kernel selects {count} rows, the reference {expected.Length}");
        }
    }

    /// <summary>
    /// The general variant compiles only when a batch needs it: a batch the fixed path handles
    /// compiles nothing more; a batch that overflows it compiles the general kernel once, which
    /// then gives the exact result.
    /// </summary>
    [Fact]
    public void GeneralVariantCompilesOnlyWhenABatchNeedsIt()
    {
        var n380 = Numeric(38, 0);
        PgType[] types = [n380, n380];
        BoundExpr x = new BoundColumnRef(0, n380, "a"), y = new BoundColumnRef(1, n380, "b");
        BoundExpr[] exprs = [new BoundFuncCall(1726, "numeric_mul", [x, y], PgType.Numeric)];
        var cache = new KernelCache();
        var kernel = KernelBuilder.Project("project", types, exprs, cache);
        Assert.Equal(1, cache.Compiles);

        RecordBatch Batch(Int128 av, Int128 bv)
        {
            var a = (DecimalColumn)PgArrowMapping.CreateColumn(n380, 1);
            var b = (DecimalColumn)PgArrowMapping.CreateColumn(n380, 1);
            (a.Values[0], b.Values[0]) = (av, bv);
            a.Length = b.Length = 1;
            return new RecordBatch([a, b], 1);
        }
        string Run(RecordBatch batch)
        {
            var output = PgArrowMapping.CreateColumn(PgType.Numeric, 1);
            KernelColumns.Prepare(output, 1);
            kernel.Run(batch, [output], new KernelContext());
            return KernelColumns.GetNumeric((DecimalColumn)output, 0).ToString();
        }

        Assert.Equal("-12", Run(Batch(3, -4)));
        Assert.Equal(1, cache.Compiles);
        Int128 big = Int128.Parse("99999999999999999999999999999999999999", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("9999999999999999999999999999999999999800000000000000000000000000000000000001", Run(Batch(big, big)));
        Assert.Equal(2, cache.Compiles);
        Assert.Equal("-12", Run(Batch(3, -4)));
        Assert.Equal("9999999999999999999999999999999999999800000000000000000000000000000000000001", Run(Batch(big, big)));
        Assert.Equal(2, cache.Compiles);
    }

    /// <summary>
    /// int4(a * b) over numeric(38,0): the product overflows the fixed-scale kernel, so the general
    /// variant, compiled only then (the query compiled its kernels on the pool), takes the batch
    /// and raises what PostgreSQL raises for the cast: 22003 integer out of range (the reference
    /// evaluator's error, which the differential tests hold to PostgreSQL's).
    /// </summary>
    [Fact]
    public void AnErrorInTheLazilyCompiledGeneralVariantKeepsItsSqlState()
    {
        var n380 = Numeric(38, 0);
        PgType[] types = [n380, n380];
        BoundExpr x = new BoundColumnRef(0, n380, "a"), y = new BoundColumnRef(1, n380, "b");
        BoundExpr[] exprs = [new BoundFuncCall(1744, "int4", [new BoundFuncCall(1726, "numeric_mul", [x, y], PgType.Numeric)], PgType.Int4)];
        var cache = new KernelCache();
        Kernel<ProjectKernel> kernel;
        using (var scope = ParallelCompileScope.Begin())
        {
            kernel = KernelBuilder.Project("project", types, exprs, cache);
            scope.WaitAll();
        }
        Assert.Equal(1, cache.Compiles);
        var a = (DecimalColumn)PgArrowMapping.CreateColumn(n380, 2);
        var b = (DecimalColumn)PgArrowMapping.CreateColumn(n380, 2);
        Int128 big = Int128.Parse("99999999999999999999999999999999999999", System.Globalization.CultureInfo.InvariantCulture);
        (a.Values[0], b.Values[0]) = (3, -4);
        (a.Values[1], b.Values[1]) = (big, big);
        a.Length = b.Length = 2;
        var batch = new RecordBatch([a, b], 2);
        var output = PgArrowMapping.CreateColumn(PgType.Int4, 2);
        KernelColumns.Prepare(output, 2);
        var error = Assert.Throws<PgFusionException>(() => kernel.Run(batch, [output], new KernelContext()));
        Assert.Equal(2, cache.Compiles);
        var want = Assert.Throws<PgFusionException>(() => new ReferenceEvaluator(new KernelContext()).Evaluate(exprs[0], batch.Columns, 1));
        Assert.Equal("22003", error.SqlState);
        Assert.Equal(want.SqlState, error.SqlState);
        Assert.Equal(want.Message, error.Message);
    }

    [Fact]
    public void OverflowFallsBackToTheExactGeneralPath()
    {
        var n380 = Numeric(38, 0);
        PgType[] types = [n380, n380];
        var a = (DecimalColumn)PgArrowMapping.CreateColumn(n380, 3);
        var b = (DecimalColumn)PgArrowMapping.CreateColumn(n380, 3);
        Int128 big = Int128.Parse("99999999999999999999999999999999999999", System.Globalization.CultureInfo.InvariantCulture);
        (a.Values[0], b.Values[0]) = (3, -4);
        (a.Values[1], b.Values[1]) = (big, big); // sum and product beyond Int128
        (a.Values[2], b.Values[2]) = (-big, 1);
        a.Length = b.Length = 3;
        var batch = new RecordBatch([a, b], 3);
        BoundExpr x = new BoundColumnRef(0, n380, "a"), y = new BoundColumnRef(1, n380, "b");
        BoundExpr[] exprs =
        [
            new BoundFuncCall(1724, "numeric_add", [x, y], PgType.Numeric),
            new BoundFuncCall(1726, "numeric_mul", [x, y], PgType.Numeric),
            new BoundFuncCall(1725, "numeric_sub", [x, y], PgType.Numeric),
        ];
        var kernel = KernelBuilder.Project("project", types, exprs, new KernelCache());
        Assert.NotNull(kernel.FixedScaleSource);
        var outputs = exprs.Select(e => PgArrowMapping.CreateColumn(e.Type, 3)).ToArray();
        foreach (var o in outputs) KernelColumns.Prepare(o, 3);
        kernel.Run(batch, outputs, new KernelContext());
        var reference = new ReferenceEvaluator(new KernelContext());
        for (int r = 0; r < 3; r++)
        {
            for (int j = 0; j < exprs.Length; j++)
            {
                var want = (PgNumeric)reference.Evaluate(exprs[j], batch.Columns, r)!;
                Assert.Equal(want.ToString(), KernelColumns.GetNumeric((DecimalColumn)outputs[j], r).ToString());
            }
        }
        Assert.Equal("199999999999999999999999999999999999998", KernelColumns.GetNumeric((DecimalColumn)outputs[0], 1).ToString());
        Assert.Equal("-100000000000000000000000000000000000000", KernelColumns.GetNumeric((DecimalColumn)outputs[2], 2).ToString());
    }

    /// <summary>sum and avg over fixed-scale kernel outputs (one scale per batch) and general batches equal PgNumeric arithmetic.</summary>
    [Fact]
    public void SumAndAvgOverFixedScaleOutputsEqualExactArithmetic()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var rnd = new Random(seed);
        var cache = new KernelCache();
        var reference = new ReferenceEvaluator(new KernelContext());
        for (int iteration = 0; iteration < 40; iteration++)
        {
            var expr = RandomExpr(rnd, 3);
            if (expr is BoundConst) continue;
            var kernel = KernelBuilder.Project("project", Types, [expr], cache);
            var sum = new NumericSumAccumulator(average: false);
            var avg = new NumericSumAccumulator(average: true);
            const int groups = 3;
            var sums = new PgNumeric?[groups];
            var counts = new long[groups];
            bool raised = false;
            for (int b = 0; b < 4 && !raised; b++)
            {
                int rows = Sizes[rnd.Next(Sizes.Length)];
                var batch = MakeBatch(rnd, rows, NullDensities[rnd.Next(NullDensities.Length)], special: rnd.Next(6) == 0);
                var outCol = PgArrowMapping.CreateColumn(expr.Type, rows);
                KernelColumns.Prepare(outCol, rows);
                try
                {
                    kernel.Run(batch, [outCol], new KernelContext());
                }
                catch (PgFusionException)
                {
                    raised = true;
                    break;
                }
                outCol.Length = rows;
                var ids = Enumerable.Range(0, rows).Select(_ => rnd.Next(groups)).ToArray();
                sum.EnsureGroups(groups);
                avg.EnsureGroups(groups);
                sum.Update(outCol, null, rows, ids);
                avg.Update(outCol, null, rows, ids);
                for (int r = 0; r < rows; r++)
                {
                    if (reference.Evaluate(expr, batch.Columns, r) is not PgNumeric v) continue;
                    int g = ids[r];
                    sums[g] = sums[g] is { } s ? NumericMath.Add(s, v) : v;
                    counts[g]++;
                }
            }
            if (raised) continue;
            for (int g = 0; g < groups; g++)
            {
                var sumOut = PgArrowMapping.CreateColumn(PgType.Numeric, 1);
                var avgOut = PgArrowMapping.CreateColumn(PgType.Numeric, 1);
                KernelColumns.Prepare(sumOut, 0);
                KernelColumns.Prepare(avgOut, 0);
                sum.Write(g, sumOut);
                avg.Write(g, avgOut);
                string wantSum = sums[g] is { } s ? s.ToString() : "<null>";
                string wantAvg = sums[g] is { } t ? NumericMath.Div(t, new PgNumeric(counts[g], 0)).ToString() : "<null>";
                string gotSum = sumOut.IsNull(0) ? "<null>" : KernelColumns.GetNumeric((DecimalColumn)sumOut, 0).ToString();
                string gotAvg = avgOut.IsNull(0) ? "<null>" : KernelColumns.GetNumeric((DecimalColumn)avgOut, 0).ToString();
                Assert.True(wantSum == gotSum, $"seed {seed} iteration {iteration} group {g}: sum {gotSum}, exact {wantSum}");
                Assert.True(wantAvg == gotAvg, $"seed {seed} iteration {iteration} group {g}: avg {gotAvg}, exact {wantAvg}");
            }
        }
    }
}
