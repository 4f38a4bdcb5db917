using System.Text;
using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// min / max keep each group's extreme in a store that new extremes are appended to: an input that
/// replaces the extreme on every row (ascending values under max, or ties, which take the newer
/// value) must not grow it by a value per row (perf/mem7-2026-12-02.md: 5M rows of
/// max(row_number() OVER ...) took ~130 MB of worker heap outside the memory budget). The store
/// stays within the groups' values plus <see cref="MinMaxAccumulator.MinGarbageRows"/> and its
/// slots, the managed bytes allocated for a million rows stay far below a value per row, and the
/// results (ties: the newer value, numeric's scale shows which) are those of a plain fold.
/// </summary>
public sealed class MinMaxStoreBoundTests
{
    private const int BatchRows = 1024;

    /// <summary>Store rows allowed: the groups' values, the replaced ones before a compaction, and a batch's appends.</summary>
    private static int Bound(int groups) => groups + Math.Max(MinMaxAccumulator.MinGarbageRows, 16 + 2 * groups) + BatchRows;

    [Fact]
    public void Max_over_ascending_int8_keeps_a_bounded_store_and_allocates_far_less_than_a_value_per_row()
    {
        const int Rows = 1_000_000;
        var acc = new MinMaxAccumulator(PgType.Int8, max: true);
        acc.EnsureGroups(1);
        var zeros = new int[BatchRows];
        var arg = PgArrowMapping.CreateColumn(PgType.Int8, BatchRows);
        acc.Update(arg, null, 0, zeros); // warm up (JIT) outside the measured loop
        long allocated = 0; // by the accumulator's updates only (not the batches' filling)
        int maxStore = 0;
        for (int first = 0; first < Rows; first += BatchRows)
        {
            arg.Reset();
            int n = Math.Min(BatchRows, Rows - first);
            for (int r = 0; r < n; r++) ColumnAppend.Value(arg, (long)(first + r));
            long before = GC.GetAllocatedBytesForCurrentThread();
            acc.UpdateSingleGroup(arg, null, n, zeros);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            maxStore = Math.Max(maxStore, acc.StoreRows);
        }
        Assert.True(maxStore <= Bound(1), $"the store reached {maxStore} rows for one group");
        // a value per row would be 8 MB at least (16 MB with the store's doubling)
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated for {Rows} rows");
        var result = PgArrowMapping.CreateColumn(PgType.Int8, 1);
        acc.Write(0, result);
        Assert.Equal(Rows - 1, ((PrimitiveColumn<long>)result).Values[0]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Text_extremes_replaced_on_every_row_in_many_groups_stay_bounded_and_exact(bool max)
    {
        const int Groups = 300, Rows = 200_000;
        var acc = new MinMaxAccumulator(PgType.Text, max);
        acc.EnsureGroups(Groups);
        var expected = new string?[Groups];
        var groupIds = new int[BatchRows];
        var arg = PgArrowMapping.CreateColumn(PgType.Text, BatchRows);
        int maxStore = 0;
        for (int first = 0; first < Rows; first += BatchRows)
        {
            arg.Reset();
            int n = Math.Min(BatchRows, Rows - first);
            for (int r = 0; r < n; r++)
            {
                int i = first + r;
                groupIds[r] = i % (Groups - 1); // the last group sees no row: NULL
                if (i % 17 == 0)
                {
                    ColumnAppend.Null(arg);
                    continue;
                }
                // every row a new extreme of its group (ascending for max, descending for min), multibyte
                string v = (max ? i : Rows - i).ToString("D7") + "é" + new string('x', i % 40);
                ColumnAppend.Bytes(arg, Encoding.UTF8.GetBytes(v));
                expected[groupIds[r]] = v;
            }
            acc.Update(arg, null, n, groupIds);
            maxStore = Math.Max(maxStore, acc.StoreRows);
        }
        Assert.True(maxStore <= Bound(Groups), $"the store reached {maxStore} rows for {Groups} groups");
        var result = PgArrowMapping.CreateColumn(PgType.Text, Groups);
        for (int g = 0; g < Groups; g++) acc.Write(g, result);
        var text = (VarBinaryColumn)result;
        for (int g = 0; g < Groups; g++)
        {
            if (expected[g] is null) Assert.True(result.IsNull(g), $"group {g}");
            else Assert.Equal(expected[g], Encoding.UTF8.GetString(text.GetBytes(g)));
        }
    }

    [Fact]
    public void Ties_take_the_newer_value_across_compactions()
    {
        // 1, 1.0, 1.00 ... compare equal: the last one fed is the result, as numeric_larger gives
        const int Rows = 50_000;
        var acc = new MinMaxAccumulator(PgType.Numeric, max: true);
        acc.EnsureGroups(2);
        var groupIds = new int[BatchRows];
        var arg = PgArrowMapping.CreateColumn(PgType.Numeric, BatchRows);
        var lastScale = new short[2];
        int maxStore = 0;
        for (int first = 0; first < Rows; first += BatchRows)
        {
            arg.Reset();
            int n = Math.Min(BatchRows, Rows - first);
            for (int r = 0; r < n; r++)
            {
                int i = first + r;
                short scale = (short)(i * 7 % 5);
                groupIds[r] = i % 2;
                long unscaled = 1;
                for (int k = 0; k < scale; k++) unscaled *= 10;
                ColumnAppend.Numeric(arg, new PgNumeric(unscaled, scale));
                lastScale[i % 2] = scale;
            }
            acc.Update(arg, null, n, groupIds);
            maxStore = Math.Max(maxStore, acc.StoreRows);
        }
        Assert.True(maxStore <= Bound(2), $"the store reached {maxStore} rows");
        var result = PgArrowMapping.CreateColumn(PgType.Numeric, 2);
        for (int g = 0; g < 2; g++)
        {
            acc.Write(g, result);
            string expected = lastScale[g] == 0 ? "1" : "1." + new string('0', lastScale[g]);
            Assert.Equal(expected, KernelColumns.GetNumeric((DecimalColumn)result, g).ToString());
        }
    }

    [Fact]
    public void Merges_that_replace_the_extreme_every_time_stay_bounded()
    {
        // the sliding window's shape: one accumulator merged into another group after group
        var target = new MinMaxAccumulator(PgType.Int4, max: false);
        target.EnsureGroups(1);
        var one = new MinMaxAccumulator(PgType.Int4, max: false);
        one.EnsureGroups(1);
        var arg = PgArrowMapping.CreateColumn(PgType.Int4, 1);
        var zero = new int[1];
        int maxStore = 0;
        for (int i = 0; i < 100_000; i++)
        {
            arg.Reset();
            ColumnAppend.Value(arg, -i);
            one.Update(arg, null, 1, zero);
            target.Merge(0, one, 0);
            maxStore = Math.Max(maxStore, Math.Max(target.StoreRows, one.StoreRows));
        }
        Assert.True(maxStore <= Bound(1), $"the store reached {maxStore} rows");
        var result = PgArrowMapping.CreateColumn(PgType.Int4, 1);
        target.Write(0, result);
        Assert.Equal(-99_999, ((PrimitiveColumn<int>)result).Values[0]);
    }
}
