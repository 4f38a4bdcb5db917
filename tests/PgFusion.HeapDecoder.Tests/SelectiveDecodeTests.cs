using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using PgFusion.Arrow;
using PgFusion.HeapDecoder.Tests.Support;
using PgFusion.Types;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.HeapDecoder.Tests;

public sealed class SelectiveDatabase() : DecoderDatabase("decoder_selective");

/// <summary>
/// Late materialization's decoder side: <see cref="HeapPageDecoder.DecodeSelected"/> gives exactly
/// the full decode's rows at the ordinals asked for, and <see cref="StagedPageDecoder"/> exactly
/// the full decode's rows that pass its stages, on random schemas (every type, NULLs, a TOASTed
/// column, a dropped and an added column with a missing default, deleted and updated rows, so
/// invisible, dead and redirected line pointers) and random selections; and a corrupt value in a
/// column no stage reads raises only for rows the stages keep.
/// </summary>
public sealed class SelectiveDecodeTests(SelectiveDatabase db, ITestOutputHelper output) : IClassFixture<SelectiveDatabase>
{
    public sealed record Case(int[] Types, int NullPercent, int Seed, int Rows, bool[] Requested, int KeepPercent, bool Churn, int Stages)
    {
        public override string ToString() =>
            $"types [{string.Join(", ", Types.Select(t => TypeCase.All[t].SqlType))}], nulls {NullPercent}%, setseed {Seed}, rows {Rows}, "
            + $"requested [{string.Join(",", Requested.Select(r => r ? 1 : 0))}], keep {KeepPercent}%, churn {Churn}, stages {Stages}";
    }

    private static readonly Gen<Case> Cases =
        from n in Gen.Choose(1, 8)
        from types in Gen.Choose(0, TypeCase.All.Count - 1).ArrayOf(n)
        from nulls in Gen.Elements(0, 20, 100)
        from seed in Gen.Choose(-1_000_000, 1_000_000)
        from rows in Gen.Choose(1, 700)
        from requested in Gen.Elements(true, false).ArrayOf(n + 2)
        from keep in Gen.Elements(0, 5, 30, 70, 100)
        from churn in Gen.Elements(true, false)
        from stages in Gen.Choose(1, 3)
        select new Case(types, nulls, seed, rows, requested, keep, churn, stages);

    private int _table;

    /// <summary>Makes the case's table; returns its pages and the attributes to decode (live ones, in a shuffled order).</summary>
    private (HeapTable Heap, int[] AttNums, SqlDetoaster Detoaster) MakeTable(Case c, string table)
    {
        string cols = string.Join(", ", c.Types.Select((t, i) => $"c{i} {TypeCase.All[t].SqlType}"));
        string values = string.Join(", ", c.Types.Select(t => $"CASE WHEN random() * 100 < {c.NullPercent} THEN NULL ELSE {TypeCase.All[t].RandomExpr} END"));
        // big: an EXTERNAL text, out of line in about a fifth of the rows; gone: dropped; added: a missing default for the rows before it
        db.Execute($"""
            DROP TABLE IF EXISTS {table};
            CREATE TABLE {table} ({cols}, gone int4, big text);
            ALTER TABLE {table} ALTER COLUMN big SET STORAGE EXTERNAL;
            SELECT setseed({c.Seed} / 1000000.0);
            INSERT INTO {table} SELECT {values}, 7, CASE WHEN random() < 0.2 THEN repeat(md5(random()::text), 100) ELSE md5(random()::text) END
            FROM generate_series(1, {c.Rows});
            ALTER TABLE {table} DROP COLUMN gone;
            ALTER TABLE {table} ADD COLUMN added numeric(12,2) DEFAULT 42.50;
            """);
        if (c.Churn)
        {
            db.Execute($"""
                DELETE FROM {table} WHERE random() < 0.15;
                UPDATE {table} SET added = added + 1 WHERE random() < 0.15;
                VACUUM {table};
                UPDATE {table} SET added = added + 2 WHERE random() < 0.1;
                DELETE FROM {table} WHERE random() < 0.05;
                """);
        }
        else
        {
            db.Execute($"VACUUM FREEZE {table}");
        }
        var heap = HeapTable.Read(db.Connection, table);
        var live = heap.Layout.Attributes.Where(a => !a.IsDropped).Select(a => a.AttNum).ToArray();
        var attNums = live.Where((_, i) => c.Requested[i % c.Requested.Length]).ToArray();
        if (attNums.Length == 0) attNums = [live[^1]];
        var rng = new Random(c.Seed);
        rng.Shuffle(attNums);
        return (heap, attNums, new SqlDetoaster(db.Connection, table, heap.Layout));
    }

    [Fact]
    public void Selected_rows_decode_as_the_full_decode_of_those_rows()
    {
        var property = Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            string table = $"sel_{_table++}";
            output.WriteLine($"{table}: {c}");
            var (heap, attNums, detoaster) = MakeTable(c, table);
            var types = attNums.Select(a => heap.Layout.Attribute(a).Type).ToArray();
            var rng = new Random(c.Seed ^ 0x5EED);

            var full = new HeapPageDecoder(heap.Layout, attNums);
            var selective = new HeapPageDecoder(heap.Layout, attNums);
            var into = selective.NewBatch(rng.Next(2) == 0 ? 1 : 4096);
            var expected = new List<string>();
            int offered = 0;
            for (int p = 0; p < heap.Pages.Count; p++)
            {
                detoaster.Block = (uint)p;
                var page = full.NewBatch(16);
                int rows = full.Decode(heap.Pages[p], heap.Visibility[p], (uint)p, page, detoaster);
                var ordinals = Enumerable.Range(0, rows).Where(_ => rng.Next(100) < c.KeepPercent).ToArray();
                expected.AddRange(ordinals.Select(r => Row(page, types, r)));
                int got = selective.DecodeSelected(heap.Pages[p], heap.Visibility[p], (uint)p, ordinals, into, detoaster);
                Assert.Equal(ordinals.Length, got);
                offered += rows;
            }
            var actual = Enumerable.Range(0, into.Length).Select(r => Row(into, types, r)).ToList();
            Assert.Equal(expected, actual);
            output.WriteLine($"  {offered} rows, {actual.Count} selected, {detoaster.Fetched} TOAST fetches");
            db.Execute($"DROP TABLE {table}");
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(30), property);
    }

    [Fact]
    public void Staged_decode_keeps_exactly_the_rows_every_running_stage_passes()
    {
        var property = Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            string table = $"staged_{_table++}";
            output.WriteLine($"{table}: {c}");
            var (heap, attNums, detoaster) = MakeTable(c, table);
            var types = attNums.Select(a => heap.Layout.Attribute(a).Type).ToArray();
            var rng = new Random(c.Seed ^ 0x57A6E);
            var stageColumns = Enumerable.Range(0, c.Stages).Select(_ => rng.Next(attNums.Length)).Distinct().ToArray();
            var stages = stageColumns.Select(col => new FilterStage([attNums[col]], (batch, selection) => Select(batch, types[col], c.KeepPercent, col, selection), $"column {col}")).ToArray();
            var staged = new StagedPageDecoder(heap.Layout, attNums, stages);
            var full = new HeapPageDecoder(heap.Layout, attNums);

            var into = staged.NewBatch(4096);
            int batches = 0;
            for (int first = 0; first < heap.Pages.Count; first += 3, batches++)
            {
                var pages = new TablePages(heap, detoaster, first, Math.Min(3, heap.Pages.Count - first));
                // the stages running for this batch, in the decoder's order (all of them for the first)
                var running = staged.Running.Select(d => stageColumns.Single(col => $"column {col}" == d)).ToArray();
                // the stages run page by page
                var expected = new List<string>();
                for (int i = 0; i < pages.Count; i++)
                {
                    var all = full.NewBatch(16);
                    full.Decode(pages.Page(i), pages.Visibility(i), pages.Block(i), all, pages.Detoasted(i));
                    expected.AddRange(Simulate(all, types, running, c.KeepPercent).Select(r => Row(all, types, r)));
                }

                foreach (var column in into.Columns) column.Reset();
                into.Length = 0;
                int n = staged.DecodePages(pages, into);
                Assert.Equal(into.Length, n);
                var actual = Enumerable.Range(0, into.Length).Select(r => Row(into, types, r)).ToList();
                Assert.Equal(expected, actual);
            }
            output.WriteLine($"  {batches} batches, stages running at the end: {string.Join("; ", staged.Running)}");
            db.Execute($"DROP TABLE {table}");
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(25), property);
    }

    [Fact]
    public void A_corrupt_value_in_a_column_no_stage_reads_raises_only_for_rows_the_stages_keep()
    {
        // k (the stage's column), a short text, then v: PostgreSQL deforms lazily and never reads
        // v of a row its qual rejects, so neither does the staged decode; the plain decode reads it.
        db.Execute("""
            DROP TABLE IF EXISTS lazy;
            CREATE TABLE lazy (k int4, pad text, v numeric(15,2));
            INSERT INTO lazy SELECT i, 'x', i * 1.25 FROM generate_series(1, 400) i;
            VACUUM FREEZE lazy;
            """);
        var heap = HeapTable.Read(db.Connection, "lazy");
        int[] attNums = [1, 3];
        // corrupt v of k = 7 (rejected: odd) and, in a copy, of k = 8 (kept)
        byte[] rejected = Corrupted(heap.Pages[0], 7);
        byte[] kept = Corrupted(heap.Pages[0], 8);
        RowSelector even = (batch, selection) =>
        {
            var k = ((PrimitiveColumn<int>)batch.Columns[0]).Values;
            int n = 0;
            for (int r = 0; r < batch.Length; r++)
                if (k[r] % 2 == 0) selection[n++] = r;
            return n;
        };

        var plain = new HeapPageDecoder(heap.Layout, attNums);
        var plainError = Assert.Throws<HeapDecodeException>(() => plain.Decode(rejected, heap.Visibility[0], 0, plain.NewBatch(16), null));
        Assert.Equal(3, plainError.AttNum);

        var staged = new StagedPageDecoder(heap.Layout, attNums, [new FilterStage([1], even, "k even")]);
        var into = staged.NewBatch(16);
        int rows = staged.DecodePages(new TablePages(OnePage(heap, rejected), null, 0, 1), into);
        Assert.True(rows > 50, $"{rows} rows");
        var ks = ((PrimitiveColumn<int>)into.Columns[0]).Values;
        for (int r = 0; r < rows; r++) Assert.Equal(2 * (r + 1), ks[r]);

        var fresh = new StagedPageDecoder(heap.Layout, attNums, [new FilterStage([1], even, "k even")]);
        var keptError = Assert.Throws<HeapDecodeException>(() => fresh.DecodePages(new TablePages(OnePage(heap, kept), null, 0, 1), fresh.NewBatch(16)));
        var plainKeptError = Assert.Throws<HeapDecodeException>(() => plain.Decode(kept, heap.Visibility[0], 0, plain.NewBatch(16), null));
        Assert.Equal((plainKeptError.Block, plainKeptError.Item, plainKeptError.AttNum, plainKeptError.Message), (keptError.Block, keptError.Item, keptError.AttNum, keptError.Message));
    }

    private static HeapTable OnePage(HeapTable heap, byte[] page) => new() { Layout = heap.Layout, Pages = [page], Visibility = [heap.Visibility[0]] };

    /// <summary>A copy of the page with v's 1-byte varlena header of the tuple k = <paramref name="k"/> (item k) claiming 127 bytes.</summary>
    private static byte[] Corrupted(byte[] page, int k)
    {
        var copy = (byte[])page.Clone();
        uint lp = BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(24 + ((k - 1) * 4)));
        int off = (int)(lp & 0x7FFF);
        int hoff = copy[off + 22];
        Assert.Equal(k, BinaryPrimitives.ReadInt32LittleEndian(copy.AsSpan(off + hoff)));
        // k int4 at 0, pad 'x' (1-byte header 0x05) at 4, v's 1-byte header at 6
        Assert.Equal(0x05, copy[off + hoff + 4]);
        copy[off + hoff + 6] = 0xFF;
        return copy;
    }

    /// <summary>The test's stage: keeps a row by a hash of its value's text (NULLs too); declines batches whose length is 3 mod 5.</summary>
    private static int Select(RecordBatch batch, PgType type, int keepPercent, int salt, int[] selection)
    {
        if (batch.Length % 5 == 3) return -1;
        int n = 0;
        for (int r = 0; r < batch.Length; r++)
            if (Passes(ValueText.Decoded(type, batch.Columns[0], r), keepPercent, salt)) selection[n++] = r;
        return n;
    }

    private static bool Passes(string value, int keepPercent, int salt)
    {
        uint h = 2166136261u ^ (uint)salt;
        foreach (char ch in value) h = (h ^ ch) * 16777619u;
        return h % 100 < (uint)keepPercent;
    }

    /// <summary>The rows of one page (<paramref name="all"/>) the running stages keep, run in order as the decoder does (a declining stage keeps its input).</summary>
    private static List<int> Simulate(RecordBatch all, PgType[] types, int[] running, int keepPercent)
    {
        var rows = Enumerable.Range(0, all.Length).ToList();
        foreach (int col in running)
        {
            if (rows.Count == 0) break;
            if (rows.Count % 5 == 3) continue;
            rows = [.. rows.Where(r => Passes(ValueText.Decoded(types[col], all.Columns[col], r), keepPercent, col))];
        }
        return rows;
    }

    private static string Row(RecordBatch batch, PgType[] types, int row) =>
        string.Join("|", types.Select((t, c) => ValueText.Decoded(t, batch.Columns[c], row)));

    /// <summary>Pages first..first+count-1 of a table as one batch of the scan.</summary>
    private sealed class TablePages(HeapTable heap, SqlDetoaster? detoaster, int first, int count) : IPageBatch
    {
        public int Count => count;

        public ReadOnlySpan<byte> Page(int index) => heap.Pages[first + index];

        public ReadOnlySpan<byte> Visibility(int index) => heap.Visibility[first + index];

        public uint Block(int index) => (uint)(first + index);

        public IDetoastedValues? Detoasted(int index)
        {
            if (detoaster is null) return null;
            detoaster.Block = (uint)(first + index);
            return detoaster;
        }
    }
}
