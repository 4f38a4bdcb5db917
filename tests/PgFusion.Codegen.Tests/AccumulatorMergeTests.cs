using System.Text;
using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Values;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// Accumulator.Merge (parallel partial aggregates): batches split between two accumulators, the
/// second merged into the first, give exactly what one accumulator fed every batch gives, for
/// every accumulator that says it can merge; the others say they cannot.
/// </summary>
public sealed class AccumulatorMergeTests
{
    private const int Groups = 7;
    private const int BatchRows = 97;
    private const int Batches = 12;

    public static TheoryData<string> Kinds => new()
    {
        "count", "count_star", "sum_int4", "avg_int4", "sum_int8", "avg_int8", "sum_numeric", "avg_numeric",
        "min_int4", "max_numeric", "min_text", "max_text", "bool_and", "bool_or",
    };

    private static (Func<Accumulator> Make, PgType Type) Make(string kind) => kind switch
    {
        "count" => (() => new CountAccumulator(countNulls: false), PgType.Int4),
        "count_star" => (() => new CountAccumulator(countNulls: true), PgType.Int4),
        "sum_int4" => (() => new SumIntAccumulator<int>(), PgType.Int4),
        "avg_int4" => (() => new AvgIntAccumulator<int>(), PgType.Int4),
        "sum_int8" => (() => new SumInt8Accumulator(average: false), PgType.Int8),
        "avg_int8" => (() => new SumInt8Accumulator(average: true), PgType.Int8),
        "sum_numeric" => (() => new NumericSumAccumulator(average: false), PgType.Numeric),
        "avg_numeric" => (() => new NumericSumAccumulator(average: true), PgType.Numeric),
        "min_int4" => (() => new MinMaxAccumulator(PgType.Int4, max: false), PgType.Int4),
        "max_numeric" => (() => new MinMaxAccumulator(PgType.Numeric, max: true), PgType.Numeric),
        "min_text" => (() => new MinMaxAccumulator(PgType.Text, max: false), PgType.Text),
        "max_text" => (() => new MinMaxAccumulator(PgType.Text, max: true), PgType.Text),
        "bool_and" => (() => new BoolAndOrAccumulator(isAnd: true), PgType.Bool),
        _ => (() => new BoolAndOrAccumulator(isAnd: false), PgType.Bool),
    };

    private static PgType ResultType(string kind, PgType arg) => kind switch
    {
        "count" or "count_star" or "sum_int4" => PgType.Int8,
        "avg_int4" or "sum_int8" or "avg_int8" or "sum_numeric" or "avg_numeric" => PgType.Numeric,
        _ => arg,
    };

    /// <summary>One batch of arguments: NULLs, and for numerics values of several scales, NaN and Infinity in some batches.</summary>
    private static Column Arguments(PgType type, Random random, int batch)
    {
        var c = PgArrowMapping.CreateColumn(type, BatchRows);
        for (int r = 0; r < BatchRows; r++)
        {
            if (random.Next(9) == 0)
            {
                ColumnAppend.Null(c);
                continue;
            }
            int v = random.Next(-100000, 100000);
            switch (type.Oid)
            {
                case PgTypeOid.Int4: ColumnAppend.Value(c, v); break;
                case PgTypeOid.Int8: ColumnAppend.Value(c, (long)v * 1_000_000_007L); break;
                case PgTypeOid.Bool: ColumnAppend.Bool(c, v % 13 != 0); break;
                case PgTypeOid.Text: ColumnAppend.Bytes(c, Encoding.UTF8.GetBytes("t" + (v % 1000))); break;
                default:
                    var n = batch == 7 && r == 3 ? PgNumeric.NaN
                        : batch == 9 && r == 5 ? PgNumeric.PositiveInfinity
                        : new PgNumeric(v, (short)(r % 3));
                    ColumnAppend.Numeric(c, n);
                    break;
            }
        }
        return c;
    }

    private static string Text(Column c, int row) => c.IsNull(row) ? "NULL" : c switch
    {
        DecimalColumn d => KernelColumns.GetNumeric(d, row).ToString(),
        BooleanColumn b => b.Get(row) ? "true" : "false",
        PrimitiveColumn<long> l => l.Values[row].ToString(System.Globalization.CultureInfo.InvariantCulture),
        PrimitiveColumn<int> i => i.Values[row].ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "bytes",
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Two_partials_merged_equal_one_accumulator(string kind)
    {
        var (make, type) = Make(kind);
        var random = new Random(kind.Length * 7919 + kind[^1]);
        var serial = make();
        var partials = new[] { make(), make() };
        Assert.True(serial.CanMerge);
        var groupIds = new int[BatchRows];
        foreach (var a in partials.Append(serial)) a.EnsureGroups(Groups);
        for (int b = 0; b < Batches; b++)
        {
            var arg = Arguments(type, random, b);
            for (int r = 0; r < BatchRows; r++) groupIds[r] = random.Next(Groups - 1); // the last group sees no row
            serial.Update(arg, null, BatchRows, groupIds);
            // the partials take batches unevenly, as threads do
            partials[b % 3 == 0 ? 1 : 0].Update(arg, null, BatchRows, groupIds);
        }
        for (int g = 0; g < Groups; g++) partials[0].Merge(g, partials[1], g);
        var resultType = ResultType(kind, type);
        var expected = PgArrowMapping.CreateColumn(resultType, Groups);
        var actual = PgArrowMapping.CreateColumn(resultType, Groups);
        var ops = resultType.Oid == PgTypeOid.Text ? ColumnOps.For(resultType) : null;
        for (int g = 0; g < Groups; g++)
        {
            serial.Write(g, expected);
            partials[0].Write(g, actual);
            Assert.Equal(Text(expected, g), Text(actual, g));
            if (ops is not null && !expected.IsNull(g)) Assert.True(ops.Equal(expected, g, actual, g), $"{kind}: group {g} differs");
        }
    }

    /// <summary>
    /// NumericSumAccumulator grows its exact (PgNumeric) sums only when a group first needs one: with
    /// 1,000 groups, batches of one scale and of mixed scales, NaN, and a merge from a partial whose
    /// exact sums never grew, every group's sum is the exact sum of its values (NULL for a group
    /// without rows), as NumericMath.Add over the values in order gives it.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Numeric_sums_of_many_groups_grow_their_exact_sums_late(bool average)
    {
        const int groups = 1000;
        var random = new Random(2112);
        var main = new NumericSumAccumulator(average);
        var other = new NumericSumAccumulator(average);
        main.EnsureGroups(groups);
        other.EnsureGroups(groups);
        var expected = new PgNumeric?[groups];
        var rows = new long[groups];
        var groupIds = new int[BatchRows];
        for (int b = 0; b < 12; b++)
        {
            var c = PgArrowMapping.CreateColumn(PgType.Numeric, BatchRows);
            for (int r = 0; r < BatchRows; r++)
            {
                int g = random.Next(groups - 1); // the last group sees no row
                groupIds[r] = g;
                // even batches: one scale (the fast Int128 sums); odd: mixed scales, and one NaN in batch 9
                var v = b == 9 && r == 40 ? PgNumeric.NaN : new PgNumeric(random.Next(-100000, 100000), (short)(b % 2 == 0 ? 2 : r % 4));
                ColumnAppend.Numeric(c, v);
                expected[g] = expected[g] is { } e ? NumericMath.Add(e, v) : v;
                rows[g]++;
            }
            // the high groups of the last batches reach exact sums past the first 16 groups
            (b % 4 == 1 ? other : main).Update(c, null, BatchRows, groupIds);
        }
        for (int g = 0; g < groups; g++) main.Merge(g, other, g);
        var actual = PgArrowMapping.CreateColumn(PgType.Numeric, groups);
        for (int g = 0; g < groups; g++) main.Write(g, actual);
        for (int g = 0; g < groups; g++)
        {
            string want = expected[g] is { } e ? (average ? NumericMath.Div(e, new PgNumeric(rows[g], 0)) : e).ToString() : "NULL";
            Assert.Equal(want, Text(actual, g));
        }
    }

    [Fact]
    public void Order_dependent_and_float_accumulators_do_not_merge()
    {
        Assert.False(new StringAggAccumulator().CanMerge);
        Assert.False(new FloatSumAccumulator<double>(average: false).CanMerge);
        Assert.False(new FirstValueAccumulator(PgType.Int4).CanMerge);
    }
}
