using System.Text;
using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// min / max over text (and any_value's / DISTINCT ON's first values) count what their store holds
/// against the memory budget (<see cref="Accumulator.HeldBytes"/>, summed into the hash aggregate's
/// table size by AggregateSpill.Bytes), so many groups of long text extremes freeze the group table
/// and spill; before 2026-12-02 (mem8) they counted nothing beyond 32 bytes per group. A text store
/// whose long values are replaced often is compacted by bytes too, so one group does not hold 1024
/// replaced values of 100 kB each.
/// </summary>
public sealed class MinMaxHeldBytesTests
{
    private const int BatchRows = 1024;

    private static void Feed(Accumulator acc, PgType type, IEnumerable<(int Group, string Value)> rows)
    {
        var arg = PgArrowMapping.CreateColumn(type, BatchRows);
        var groupIds = new int[BatchRows];
        int n = 0;
        foreach (var (g, v) in rows)
        {
            groupIds[n++] = g;
            ColumnAppend.Bytes(arg, Encoding.UTF8.GetBytes(v));
            if (n == BatchRows)
            {
                acc.Update(arg, null, n, groupIds);
                arg.Reset();
                n = 0;
            }
        }
        if (n > 0) acc.Update(arg, null, n, groupIds);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Text_extremes_of_many_groups_count_at_least_their_bytes(bool max)
    {
        const int Groups = 20_000, Width = 200;
        var acc = new MinMaxAccumulator(PgType.Text, max);
        acc.EnsureGroups(Groups);
        // each group's value once, then a second round that replaces every extreme (the other direction's loses)
        Feed(acc, PgType.Text, Enumerable.Range(0, 2 * Groups).Select(i => (i % Groups, (max == i >= Groups ? 'b' : 'a') + new string('x', Width - 1))));
        long text = (long)Groups * Width;
        // at least the text less the 32 bytes per group the table's size counts already
        Assert.True(acc.HeldBytes >= text - 32L * Groups, $"HeldBytes {acc.HeldBytes} for the groups' {text} bytes of text");
        // the replaced values and the spare store count too, but stay bounded: at most about 3x the live text
        Assert.True(acc.HeldBytes <= 4 * text, $"HeldBytes {acc.HeldBytes} for {text} bytes of live text");
        var result = (VarBinaryColumn)PgArrowMapping.CreateColumn(PgType.Text, 1);
        acc.Write(Groups - 1, result);
        Assert.Equal((max ? 'b' : 'a') + new string('x', Width - 1), result.GetString(0)); // the second round's, which replaced the first's
    }

    [Fact]
    public void Fixed_width_extremes_without_replacements_count_nothing_beyond_the_per_group_state()
    {
        const int Groups = 50_000;
        var acc = new MinMaxAccumulator(PgType.Int8, max: true);
        acc.EnsureGroups(Groups);
        var arg = PgArrowMapping.CreateColumn(PgType.Int8, BatchRows);
        var groupIds = new int[BatchRows];
        for (int first = 0; first < Groups; first += BatchRows)
        {
            arg.Reset();
            int n = Math.Min(BatchRows, Groups - first);
            for (int r = 0; r < n; r++)
            {
                groupIds[r] = first + r;
                ColumnAppend.Value(arg, (long)(first + r));
            }
            acc.Update(arg, null, n, groupIds);
        }
        Assert.Equal(0, acc.HeldBytes);
    }

    [Fact]
    public void Long_text_replaced_in_one_group_is_compacted_by_bytes_and_stays_exact()
    {
        // 3,000 ascending values of 100 kB: 300 MB fed, under MinGarbageRows replacements
        const int Rows = 3_000, Width = 100_000;
        var acc = new MinMaxAccumulator(PgType.Text, max: true);
        acc.EnsureGroups(1);
        var arg = PgArrowMapping.CreateColumn(PgType.Text, 1);
        var zero = new int[1];
        long maxHeld = 0;
        string last = "";
        for (int i = 0; i < Rows; i++)
        {
            arg.Reset();
            last = i.ToString("D5") + new string('y', Width - 5);
            ColumnAppend.Bytes(arg, Encoding.UTF8.GetBytes(last));
            acc.Update(arg, null, 1, zero);
            maxHeld = Math.Max(maxHeld, acc.StoreBytes);
        }
        // the live value and the replaced ones up to it (or MinGarbageBytes): a few values, not 1024
        Assert.True(maxHeld <= 4L * Width + 2 * MinMaxAccumulator.MinGarbageBytes, $"the store held {maxHeld} bytes for one {Width}-byte value");
        var result = (VarBinaryColumn)PgArrowMapping.CreateColumn(PgType.Text, 1);
        acc.Write(0, result);
        Assert.Equal(last, result.GetString(0));
    }

    [Fact]
    public void First_values_of_text_count_their_bytes()
    {
        const int Groups = 10_000, Width = 300;
        var acc = new FirstValueAccumulator(PgType.Text, anyRow: true);
        acc.EnsureGroups(Groups);
        Feed(acc, PgType.Text, Enumerable.Range(0, 3 * Groups).Select(i => (i % Groups, (i / Groups).ToString() + new string('z', Width - 1))));
        Assert.True(acc.HeldBytes >= (long)Groups * (Width - 32), $"HeldBytes {acc.HeldBytes}");
        var result = (VarBinaryColumn)PgArrowMapping.CreateColumn(PgType.Text, 1);
        acc.Write(7, result);
        Assert.Equal("0" + new string('z', Width - 1), result.GetString(0));
    }
}
