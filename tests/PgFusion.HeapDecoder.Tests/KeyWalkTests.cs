using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using PgFusion.Arrow;
using PgFusion.HeapDecoder.Tests.Support;
using PgFusion.Types;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.HeapDecoder.Tests;

public sealed class KeyWalkDatabase() : DecoderDatabase("decoder_key_walk");

/// <summary>
/// Key stages tested in the walk of the line pointers (<see cref="KeyPageWalk"/>): a staged decode
/// with the walk gives exactly the rows of the full decode that pass the running stages, as the
/// same stages tested through their batches do, on tables with int2, int4 and int8 keys before and
/// after a varlena (only the ones before it fit the walk), NULLs, deleted and updated rows (so
/// invisible, dead and redirected line pointers), an added column missing from older tuples, and
/// mixed with a stage that is not a key stage; and a tuple whose key cannot be read plainly is kept,
/// so a corrupt one raises as in the plain decode.
/// </summary>
public sealed class KeyWalkTests(KeyWalkDatabase db, ITestOutputHelper output) : IClassFixture<KeyWalkDatabase>
{
    public sealed record Case(int Seed, int Rows, int NullPercent, bool Churn, int KeepPercent, int[] KeyColumns, bool AlwaysStaged, bool OtherStage)
    {
        public override string ToString() =>
            $"setseed {Seed}, rows {Rows}, nulls {NullPercent}%, churn {Churn}, keep {KeepPercent}%, keys [{string.Join(",", KeyColumns)}], always {AlwaysStaged}, other stage {OtherStage}";
    }

    /// <summary>The table's columns: a (int4), b (int8), c (int2) fit the walk; pad (text) ends it; d (int4) after it does not; v numeric; e (int8) added later.</summary>
    private static readonly string[] Names = ["a", "b", "c", "pad", "d", "v", "e"];

    /// <summary>The key columns (attnums) a case may stage.</summary>
    private static readonly int[] KeyAttNums = [1, 2, 3, 5, 7];

    private static readonly Gen<Case> Cases =
        from seed in Gen.Choose(-1_000_000, 1_000_000)
        from rows in Gen.Choose(1, 900)
        from nulls in Gen.Elements(0, 0, 10, 100)
        from churn in Gen.Elements(true, false)
        from keep in Gen.Elements(0, 3, 30, 90, 100)
        from keys in Gen.Elements(KeyAttNums).ArrayOf(3)
        from always in Gen.Elements(true, false)
        from other in Gen.Elements(true, false)
        select new Case(seed, rows, nulls, churn, keep, keys.Distinct().ToArray(), always, other);

    private int _table;

    [Fact]
    public void Key_walk_keeps_exactly_the_rows_the_running_stages_pass()
    {
        var property = Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            string table = $"kw_{_table++}";
            output.WriteLine($"{table}: {c}");
            var heap = MakeTable(c, table);
            int[] attNums = [7, 6, 1, 2, 3, 4, 5];
            var types = attNums.Select(a => heap.Layout.Attribute(a).Type).ToArray();
            var rng = new Random(c.Seed);
            // per key column: its keys, a random KeepPercent share of -60..60 (values lie in -50..50)
            var keySets = c.KeyColumns.ToDictionary(a => a, _ => Enumerable.Range(-60, 121).Where(_ => rng.Next(100) < c.KeepPercent).Select(k => (long)k).ToHashSet());
            var vType = heap.Layout.Attribute(6).Type;
            var walked = new StagedPageDecoder(heap.Layout, attNums, Stages(c, keySets, vType, withKeys: true), c.AlwaysStaged, keyWalk: true);
            var batched = new StagedPageDecoder(heap.Layout, attNums, Stages(c, keySets, vType, withKeys: false), c.AlwaysStaged, keyWalk: false);
            var full = new HeapPageDecoder(heap.Layout, attNums);
            Assert.Equal(c.KeyColumns.Count(a => a < 4), c.KeyColumns.Count(a => KeyPageWalk.Fits(heap.Layout, Stage(a, keySets[a], withKeys: true))));
            foreach (var decoder in new[] { walked, batched })
            {
                var into = decoder.NewBatch(4096);
                for (int first = 0; first < heap.Pages.Count; first += 3)
                {
                    var pages = new TablePages(heap, first, Math.Min(3, heap.Pages.Count - first));
                    var running = decoder.Running.ToArray();
                    var expected = new List<string>();
                    for (int i = 0; i < pages.Count; i++)
                    {
                        var all = full.NewBatch(16);
                        int n = full.Decode(pages.Page(i), pages.Visibility(i), pages.Block(i), all, null);
                        for (int r = 0; r < n; r++)
                        {
                            if (running.All(d => Passes(d, all, attNums, vType, keySets, r))) expected.Add(Row(all, types, r));
                        }
                    }
                    foreach (var column in into.Columns) column.Reset();
                    into.Length = 0;
                    int got = decoder.DecodePages(pages, into);
                    Assert.Equal(into.Length, got);
                    Assert.Equal(expected, Enumerable.Range(0, into.Length).Select(r => Row(into, types, r)).ToList());
                }
            }
            output.WriteLine($"  {heap.Pages.Count} pages; running at the end: walk [{string.Join("; ", walked.Running)}], batches [{string.Join("; ", batched.Running)}]");
            db.Execute($"DROP TABLE {table}");
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(25), property);
    }

    [Fact]
    public void A_tuple_whose_key_cannot_be_read_plainly_is_kept_and_raises_as_the_plain_decode()
    {
        db.Execute("""
            DROP TABLE IF EXISTS kw_corrupt;
            CREATE TABLE kw_corrupt (k int4, pad text, v numeric(15,2));
            INSERT INTO kw_corrupt SELECT i, 'x', i * 1.25 FROM generate_series(1, 300) i;
            VACUUM FREEZE kw_corrupt;
            """);
        var heap = HeapTable.Read(db.Connection, "kw_corrupt");
        int[] attNums = [1, 3];
        var keys = Keys([2, 4]);
        // item 7 (k = 7, not a key): t_hoff 16 instead of 24, which Decode refuses
        byte[] page = (byte[])heap.Pages[0].Clone();
        uint lp = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(24 + (6 * 4)));
        page[(int)(lp & 0x7FFF) + 22] = 16;

        var plain = new HeapPageDecoder(heap.Layout, attNums);
        var plainError = Assert.Throws<HeapDecodeException>(() => plain.Decode(page, heap.Visibility[0], 0, plain.NewBatch(16), null));
        var staged = new StagedPageDecoder(heap.Layout, attNums, [KeyStage(1, keys)], alwaysStaged: true, keyWalk: true);
        var stagedError = Assert.Throws<HeapDecodeException>(() => staged.DecodePages(new TablePages(OnePage(heap, page), 0, 1), staged.NewBatch(16)));
        Assert.Equal((plainError.Block, plainError.Item, plainError.AttNum, plainError.Message), (stagedError.Block, stagedError.Item, stagedError.AttNum, stagedError.Message));

        // the page intact: only k = 2 and 4, and a corrupt v in a rejected row (k = 9) is never read
        byte[] rejected = (byte[])heap.Pages[0].Clone();
        lp = BinaryPrimitives.ReadUInt32LittleEndian(rejected.AsSpan(24 + (8 * 4)));
        rejected[(int)(lp & 0x7FFF) + 24 + 6] = 0xFF;
        var fresh = new StagedPageDecoder(heap.Layout, attNums, [KeyStage(1, keys)], alwaysStaged: true, keyWalk: true);
        var into = fresh.NewBatch(16);
        Assert.Equal(2, fresh.DecodePages(new TablePages(OnePage(heap, rejected), 0, 1), into));
        Assert.Equal(new[] { 2, 4 }, ((PrimitiveColumn<int>)into.Columns[0]).Values[..2]);
    }

    [Fact]
    public void Keys_after_a_varlena_or_of_other_types_do_not_fit_the_walk()
    {
        db.Execute("""
            DROP TABLE IF EXISTS kw_fit;
            CREATE TABLE kw_fit (a int4, f float8, b int8, t text, c int4, d date);
            INSERT INTO kw_fit VALUES (1, 1, 1, 'x', 1, '2000-01-01');
            """);
        var layout = HeapTable.ReadLayout(db.Connection, "kw_fit");
        var keys = Keys([1]);
        Assert.True(KeyPageWalk.Fits(layout, KeyStage(1, keys)));
        Assert.True(KeyPageWalk.Fits(layout, KeyStage(3, keys)));
        Assert.False(KeyPageWalk.Fits(layout, KeyStage(2, keys)));
        Assert.False(KeyPageWalk.Fits(layout, KeyStage(5, keys)));
        Assert.False(KeyPageWalk.Fits(layout, new FilterStage([1], (_, _) => -1, "not a key stage")));
    }

    private HeapTable MakeTable(Case c, string table)
    {
        string Value(string expr) => $"CASE WHEN random() * 100 < {c.NullPercent} THEN NULL ELSE {expr} END";
        db.Execute($"""
            DROP TABLE IF EXISTS {table};
            CREATE TABLE {table} (a int4, b int8, c int2, pad text, d int4, v numeric(12,2));
            SELECT setseed({c.Seed} / 1000000.0);
            INSERT INTO {table} SELECT {Value("(random() * 100)::int4 - 50")}, {Value("(random() * 100)::int8 - 50")}, {Value("(random() * 100)::int2 - 50")},
                md5(random()::text), {Value("(random() * 100)::int4 - 50")}, {Value("(random() * 1000)::numeric(12,2)")}
            FROM generate_series(1, {c.Rows});
            ALTER TABLE {table} ADD COLUMN e int8 DEFAULT 7;
            INSERT INTO {table} SELECT 1, 2, 3, 'y', 4, 5, (random() * 100)::int8 - 50 FROM generate_series(1, {c.Rows / 10});
            """);
        if (c.Churn)
        {
            db.Execute($"""
                DELETE FROM {table} WHERE random() < 0.15;
                UPDATE {table} SET v = v + 1 WHERE random() < 0.15;
                VACUUM {table};
                UPDATE {table} SET a = a + 1 WHERE random() < 0.1;
                DELETE FROM {table} WHERE random() < 0.05;
                """);
        }
        else
        {
            db.Execute($"VACUUM FREEZE {table}");
        }
        return HeapTable.Read(db.Connection, table);
    }

    private static StageKeys Keys(IEnumerable<long> keys)
    {
        var words = new ulong[2];
        foreach (long k in keys) words[(k + 64) >> 6] |= 1UL << (int)((k + 64) & 63);
        return new StageKeys(words, -64, 128);
    }

    private static FilterStage[] Stages(Case c, Dictionary<int, HashSet<long>> keySets, PgType vType, bool withKeys)
    {
        var stages = c.KeyColumns.Select(a => Stage(a, keySets[a], withKeys)).ToList();
        // v (numeric) under 500: a stage that is not a key stage
        if (c.OtherStage) stages.Add(new FilterStage([6], (batch, selection) => OtherSelect(batch, vType, selection), "v small"));
        return [.. stages];
    }

    private static FilterStage Stage(int attNum, HashSet<long> keys, bool withKeys)
    {
        RowSelector select = (batch, selection) =>
        {
            int n = 0;
            for (int r = 0; r < batch.Length; r++)
                if (KeyOf(batch.Columns[0], r) is { } k && keys.Contains(k)) selection[n++] = r;
            return n;
        };
        string description = $"{Names[attNum - 1]} in keys";
        return withKeys ? new FilterStage(attNum, Keys(keys), select, description) : new FilterStage([attNum], select, description);
    }

    /// <summary>A key stage whose batch test declines every batch (the walk alone decides).</summary>
    private static FilterStage KeyStage(int attNum, StageKeys keys) => new(attNum, keys, (_, _) => -1, $"attribute {attNum} in keys");

    private static long? KeyOf(Column column, int row)
    {
        if (column.Validity is { } v && !v.IsValid(row)) return null;
        return column switch
        {
            PrimitiveColumn<short> c => c.Values[row],
            PrimitiveColumn<int> c => c.Values[row],
            PrimitiveColumn<long> c => c.Values[row],
            _ => throw new InvalidOperationException(column.GetType().Name),
        };
    }

    /// <summary>v below 500.00 (scaled by 100), NULL not.</summary>
    private static int OtherSelect(RecordBatch batch, PgType vType, int[] selection)
    {
        int n = 0;
        for (int r = 0; r < batch.Length; r++)
            if (Small(vType, batch.Columns[0], r)) selection[n++] = r;
        return n;
    }

    private static bool Small(PgType vType, Column column, int row)
    {
        string s = ValueText.Decoded(vType, column, row);
        return s != "NULL" && decimal.Parse(s, System.Globalization.CultureInfo.InvariantCulture) < 500;
    }

    private static bool Passes(string description, RecordBatch all, int[] attNums, PgType vType, Dictionary<int, HashSet<long>> keySets, int row)
    {
        if (description == "v small") return Small(vType, all.Columns[Array.IndexOf(attNums, 6)], row);
        int attNum = Array.IndexOf(Names, description.Split(' ')[0]) + 1;
        return KeyOf(all.Columns[Array.IndexOf(attNums, attNum)], row) is { } k && keySets[attNum].Contains(k);
    }

    private static string Row(RecordBatch batch, PgType[] types, int row) =>
        string.Join("|", types.Select((t, c) => ValueText.Decoded(t, batch.Columns[c], row)));

    private static HeapTable OnePage(HeapTable heap, byte[] page) => new() { Layout = heap.Layout, Pages = [page], Visibility = [heap.Visibility[0]] };

    private sealed class TablePages(HeapTable heap, int first, int count) : IPageBatch
    {
        public int Count => count;

        public ReadOnlySpan<byte> Page(int index) => heap.Pages[first + index];

        public ReadOnlySpan<byte> Visibility(int index) => heap.Visibility[first + index];

        public uint Block(int index) => (uint)(first + index);

        public IDetoastedValues? Detoasted(int index) => null;
    }
}
