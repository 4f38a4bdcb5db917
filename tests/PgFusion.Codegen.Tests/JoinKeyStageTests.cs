using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Join;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// The join-key stage of late materialization (JoinKeyStage.Select): a probe row is kept exactly
/// when its key is non-NULL and equals a non-NULL key of the built table, as the inner join would
/// find. Random int4 build keys with NULLs and duplicates, probed by int2, int4 and int8 columns
/// (negative, extreme and bucket-colliding values included), an empty table, a table of NULL keys
/// only, and a batch with a selection vector (not eligible: every row kept).
/// </summary>
public sealed class JoinKeyStageTests
{
    private static JoinHashTable Build(PgType keyType, IReadOnlyList<long?> keys)
    {
        var table = new JoinHashTable([keyType], [keyType], [PgType.Int8]);
        for (int start = 0; start < keys.Count; start += 1000)
        {
            int n = Math.Min(1000, keys.Count - start);
            var column = Column(keyType, keys.Skip(start).Take(n).ToList());
            table.Append(new RecordBatch([column], n), [column]);
        }
        table.Seal();
        return table;
    }

    private static Column Column(PgType type, IReadOnlyList<long?> values)
    {
        var column = PgArrowMapping.CreateColumn(type, Math.Max(values.Count, 1));
        var validity = column.EnsureValidity(Math.Max(values.Count, 1));
        for (int i = 0; i < values.Count; i++)
        {
            long v = values[i] ?? 0;
            switch (column)
            {
                case PrimitiveColumn<int> c: c.Values[i] = (int)v; break;
                case PrimitiveColumn<long> c: c.Values[i] = v; break;
                case PrimitiveColumn<short> c: c.Values[i] = (short)v; break;
                default: throw new InvalidOperationException(column.GetType().Name);
            }
            validity.Set(i, values[i] is not null);
        }
        column.Length = values.Count;
        return column;
    }

    private static int[] Expected(IReadOnlyList<long?> build, IReadOnlyList<long?> probe)
    {
        var keys = build.Where(k => k is not null).Select(k => k!.Value).ToHashSet();
        return [.. Enumerable.Range(0, probe.Count).Where(r => probe[r] is { } v && keys.Contains(v))];
    }

    private static int[] Run(JoinHashTable table, PgType probeType, IReadOnlyList<long?> probe, int[]? batchSelection = null)
    {
        var selected = new int[Math.Max(probe.Count, 1)];
        int count = JoinKeyStage.Select(KeyBitmap.TryCreate(table)!, Column(probeType, probe), probe.Count, batchSelection, selected);
        return count < 0 ? [-1] : selected[..count];
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 1000)]
    [InlineData(3, 5000)]
    public void Keeps_exactly_the_rows_an_inner_join_matches(int seed, int buildRows)
    {
        var random = new Random(seed);
        var build = Enumerable.Range(0, buildRows).Select(_ => random.Next(10) == 0 ? (long?)null : random.Next(-3000, 3000)).ToList();
        var table = Build(PgType.Int4, build);
        foreach (var type in new[] { PgType.Int2, PgType.Int4, PgType.Int8 })
        {
            var probe = Enumerable.Range(0, 1024).Select(_ => random.Next(7) == 0 ? (long?)null : random.Next(-6000, 6000)).ToList();
            Assert.Equal(Expected(build, probe), Run(table, type, probe));
        }
    }

    [Fact]
    public void Int8_keys_match_on_the_whole_value()
    {
        long b = 1L << 40;
        var build = new List<long?> { b - 5, b, b + 1000, null, b + 63, b + 64 };
        var table = Build(PgType.Int8, build);
        var probe = new List<long?> { b - 6, b - 5, b, b + 1, b + 63, b + 64, b + 65, b + 1000, b + 1001, null, long.MinValue, long.MaxValue, 0, -b };
        Assert.Equal(Expected(build, probe), Run(table, PgType.Int8, probe));
    }

    [Fact]
    public void Keys_spanning_more_than_the_bitmap_range_give_no_stage()
    {
        Assert.Null(KeyBitmap.TryCreate(Build(PgType.Int8, [long.MinValue, long.MaxValue])));
        Assert.Null(KeyBitmap.TryCreate(Build(PgType.Int8, [0, KeyBitmap.MaxRange])));
        Assert.NotNull(KeyBitmap.TryCreate(Build(PgType.Int8, [-1, KeyBitmap.MaxRange - 2])));
    }

    [Fact]
    public void Empty_and_all_null_tables_match_no_row()
    {
        var probe = new List<long?> { 1, null, 0, -5 };
        Assert.Empty(Run(Build(PgType.Int4, []), PgType.Int4, probe));
        Assert.Empty(Run(Build(PgType.Int4, [null, null]), PgType.Int4, probe));
    }

    [Fact]
    public void A_batch_with_a_selection_vector_keeps_every_row()
    {
        var table = Build(PgType.Int4, [1, 2, 3]);
        Assert.Equal([-1], Run(table, PgType.Int4, [1, 5, 3], batchSelection: [0, 2]));
    }
}
