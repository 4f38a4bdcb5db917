using System.Buffers.Binary;
using PgFusion.HeapDecoder.Tests.Support;
using PgFusion.Types;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.HeapDecoder.Tests;

/// <summary>Corrupt pages raise HeapDecodeException (XX001) naming block, item and attribute; never anything else.</summary>
public sealed class CorruptPageTests(FuzzDatabase db, ITestOutputHelper output) : IClassFixture<FuzzDatabase>
{
    private static readonly byte[] AllVisible = Enumerable.Repeat((byte)0xFF, HeapPageDecoder.VisibilityBitmapBytes).ToArray();

    private HeapTable Table(string name, string columns, string insert)
    {
        db.Execute($"""
            DROP TABLE IF EXISTS {name};
            CREATE TABLE {name} ({columns});
            INSERT INTO {name} {insert};
            VACUUM FREEZE {name};
            """);
        return HeapTable.Read(db.Connection, name);
    }

    private static HeapDecodeException DecodeCorrupt(HeapTable heap, byte[] page, IReadOnlyList<int>? attNums = null)
    {
        attNums ??= [.. heap.Layout.Attributes.Select(a => a.AttNum)];
        var decoder = new HeapPageDecoder(heap.Layout, attNums);
        var e = Assert.Throws<HeapDecodeException>(() => decoder.Decode(page, AllVisible, 7, decoder.NewBatch(4), null));
        Assert.Equal("XX001", e.SqlState);
        Assert.Equal(7u, e.Block);
        Assert.IsAssignableFrom<PgFusionException>(e);
        return e;
    }

    /// <summary>Tuple offset of line pointer <paramref name="item"/> (1-based).</summary>
    private static int TupleOffset(byte[] page, int item) => (int)(BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(24 + (4 * (item - 1)))) & 0x7FFF);

    private static int Hoff(byte[] page, int item) => page[TupleOffset(page, item) + 22];

    [Fact]
    public void Page_header_out_of_range()
    {
        var heap = Table("c_header", "a int4", "SELECT generate_series(1, 10)");
        var page = (byte[])heap.Pages[0].Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(12), 9000);
        var e = DecodeCorrupt(heap, page);
        Assert.Equal(0, e.Item);
        Assert.Contains("pd_lower", e.Message);

        page = (byte[])heap.Pages[0].Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(16), 8200);
        Assert.Contains("pd_special", DecodeCorrupt(heap, page).Message);

        Assert.Contains("8192", DecodeCorrupt(heap, heap.Pages[0][..4096]).Message);
    }

    [Fact]
    public void Pd_upper_out_of_range()
    {
        var heap = Table("c_upper", "a int4, b text", "SELECT i, 'v' || i FROM generate_series(1, 10) i");
        int lower = BinaryPrimitives.ReadUInt16LittleEndian(heap.Pages[0].AsSpan(12));
        // below pd_lower (inside the line pointer array)
        var page = (byte[])heap.Pages[0].Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(14), (ushort)(lower - 4));
        var e = DecodeCorrupt(heap, page);
        Assert.Equal((0, 0), (e.Item, e.AttNum));
        Assert.Contains("pd_upper", e.Message);
        // past pd_special
        page = (byte[])heap.Pages[0].Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(14), 8192 + 8);
        Assert.Contains("pd_upper", DecodeCorrupt(heap, page).Message);
        // 0 on a page with content: PageIsNew, which PostgreSQL (PageIsVerified) accepts only for an all-zero page;
        // read as an empty page it would drop the page's 10 rows without a word
        page = (byte[])heap.Pages[0].Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(14), 0);
        e = DecodeCorrupt(heap, page);
        Assert.Equal(0, e.Item);
        Assert.Contains("not all zeros", e.Message);
        // with fewer requested columns: the header is checked before any tuple
        foreach (int[] attNums in new[] { new[] { 1, 2 }, new[] { 2 } })
            Assert.Contains("pd_upper", DecodeCorrupt(heap, page, attNums).Message);
    }

    [Fact]
    public void Line_pointer_length_outside_the_page_or_shorter_than_a_tuple_header()
    {
        var heap = Table("c_lplen", "a int4, b text", "SELECT i, 'v' || i FROM generate_series(1, 10) i");
        // lp_len of item 4 raised so the tuple runs past pd_special (its offset unchanged)
        var page = (byte[])heap.Pages[0].Clone();
        uint lp = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(24 + 12));
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(24 + 12), (lp & 0x1FFFFu) | (8000u << 17));
        var e = DecodeCorrupt(heap, page);
        Assert.Equal((4, 0), (e.Item, e.AttNum));
        Assert.Contains("length 8000", e.Message);
        // lp_len of item 6 below the 23-byte tuple header
        page = (byte[])heap.Pages[0].Clone();
        lp = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(24 + 20));
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(24 + 20), (lp & 0x1FFFFu) | (12u << 17));
        e = DecodeCorrupt(heap, page);
        Assert.Equal(6, e.Item);
        Assert.Contains("shorter than its header", e.Message);
        // lp_len cut inside the data: the int4 fits, the text's varlena then runs past the tuple
        page = (byte[])heap.Pages[0].Clone();
        lp = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(24 + 28));
        int hoff = Hoff(page, 8);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(24 + 28), (lp & 0x1FFFFu) | ((uint)(hoff + 5) << 17));
        e = DecodeCorrupt(heap, page);
        Assert.Equal((8, 2), (e.Item, e.AttNum));
    }

    [Fact]
    public void Line_pointer_outside_the_page()
    {
        var heap = Table("c_lp", "a int4", "SELECT generate_series(1, 10)");
        var page = (byte[])heap.Pages[0].Clone();
        uint lp = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(24 + 8));
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(24 + 8), (lp & ~0x7FFFu) | 8180);
        var e = DecodeCorrupt(heap, page);
        Assert.Equal(3, e.Item);
        Assert.Contains("line pointer", e.Message);
    }

    [Fact]
    public void Bad_t_hoff_and_natts()
    {
        var heap = Table("c_hoff", "a int4, b text", "SELECT i, 'x' || i FROM generate_series(1, 10) i");
        var page = (byte[])heap.Pages[0].Clone();
        page[TupleOffset(page, 2) + 22] = 27;
        var e = DecodeCorrupt(heap, page);
        Assert.Equal(2, e.Item);
        Assert.Contains("t_hoff", e.Message);

        page = (byte[])heap.Pages[0].Clone();
        page[TupleOffset(page, 4) + 22] = 200;
        Assert.Equal(4, DecodeCorrupt(heap, page).Item);

        page = (byte[])heap.Pages[0].Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(TupleOffset(page, 5) + 18), 9);
        e = DecodeCorrupt(heap, page);
        Assert.Equal(5, e.Item);
        Assert.Contains("9 attributes", e.Message);
    }

    [Fact]
    public void Varlena_running_past_its_tuple()
    {
        var heap = Table("c_varlena", "a int4, b text", "SELECT i, repeat('x', 200) FROM generate_series(1, 10) i");
        var page = (byte[])heap.Pages[0].Clone();
        int data = TupleOffset(page, 6) + Hoff(page, 6);
        // b: a 4-byte header at data + 4 (int-aligned after the int4).
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(data + 4), 5000u << 2);
        var e = DecodeCorrupt(heap, page);
        Assert.Equal((6, 2), (e.Item, e.AttNum));
        Assert.Contains("runs past", e.Message);

        page = (byte[])heap.Pages[0].Clone();
        var short1 = Table("c_varlena1", "a int4, b text", "SELECT i, 'abc' FROM generate_series(1, 10) i");
        page = (byte[])short1.Pages[0].Clone();
        data = TupleOffset(page, 1) + Hoff(page, 1);
        page[data + 4] = (127 << 1) | 1;
        e = DecodeCorrupt(short1, page);
        Assert.Equal((1, 2), (e.Item, e.AttNum));
    }

    [Fact]
    public void Bad_numeric_header()
    {
        var heap = Table("c_numeric", "a int4, n numeric", "SELECT i, i * 1.5 FROM generate_series(1, 10) i");
        var page = (byte[])heap.Pages[0].Clone();
        int data = TupleOffset(page, 3) + Hoff(page, 3);
        // n: 1-byte varlena header at data + 4, numeric header u16 at data + 5.
        Assert.Equal(1, page[data + 4] & 1);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(data + 5), 0xE000);
        var e = DecodeCorrupt(heap, page);
        Assert.Equal((3, 2), (e.Item, e.AttNum));
        Assert.Contains("numeric", e.Message);

        page = (byte[])heap.Pages[0].Clone();
        BinaryPrimitives.WriteInt16LittleEndian(page.AsSpan(data + 7), 12345);
        Assert.Contains("digit", DecodeCorrupt(heap, page).Message);
        // The decoder does not look at attributes it is not asked for.
        var decoder = new HeapPageDecoder(heap.Layout, [1]);
        Assert.Equal(10, decoder.Decode(page, AllVisible, 7, decoder.NewBatch(4), null));
    }

    [Theory]
    [InlineData("pglz")]
    [InlineData("lz4")]
    public void Corrupt_compressed_stream(string method)
    {
        var heap = Table($"c_{method}", $"t text COMPRESSION {method}", "SELECT repeat('abcdefgh' || i, 400) FROM generate_series(1, 3) i");
        var page = (byte[])heap.Pages[0].Clone();
        int data = TupleOffset(page, 2) + Hoff(page, 2);
        uint header = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(data));
        Assert.Equal(2u, header & 3);
        // One byte less of compressed stream: it ends early.
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(data), (((header >> 2) - 1) << 2) | 2);
        var e = DecodeCorrupt(heap, page);
        Assert.Equal((2, 1), (e.Item, e.AttNum));
        Assert.Contains(method, e.Message);
        output.WriteLine(e.Message);
    }

    [Theory]
    [InlineData("pglz")]
    [InlineData("lz4")]
    public void Compressed_stream_with_a_back_reference_before_its_output(string method)
    {
        var heap = Table($"c_ref_{method}", $"t text COMPRESSION {method}", "SELECT repeat('abcdefgh' || i, 400) FROM generate_series(1, 3) i");
        var page = (byte[])heap.Pages[0].Clone();
        int data = TupleOffset(page, 3) + Hoff(page, 3);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(data)) & 3);
        // the stream follows the 4-byte header and the 4-byte raw size / method word
        int at = data + 8;
        if (method == "lz4")
        {
            // first sequence: token, its literals (no extra length byte for fewer than 15), then the u16 offset
            int literals = page[at] >> 4;
            Assert.True(literals < 15);
            BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(at + 1 + literals), 0xFFFF);
        }
        else
        {
            // the stream's first back-reference (after the literals of "abcdefgh3"): offset 0xFFF, before the output's start
            int refAt = -1, pos = at;
            while (refAt < 0)
            {
                int ctrl = page[pos++];
                for (int bit = 0; bit < 8 && refAt < 0; bit++)
                {
                    if ((ctrl >> bit & 1) == 0) pos++;
                    else refAt = pos;
                }
                Assert.True(pos < at + 40, "no back-reference in the stream's first 40 bytes");
            }
            page[refAt] = (byte)(0xF0 | (page[refAt] & 0x0F));
            page[refAt + 1] = 0xFF;
        }
        var e = DecodeCorrupt(heap, page);
        Assert.Equal((3, 1), (e.Item, e.AttNum));
        Assert.Contains($"{method} ", e.Message);
        Assert.Contains("offset", e.Message);
        output.WriteLine(e.Message);
    }

    [Fact]
    public void Fuzzed_real_pages_give_values_or_HeapDecodeException()
    {
        string cols = string.Join(", ", TypeCase.All.Select((t, i) => $"c{i} {t.SqlType}")) + ", z text COMPRESSION lz4, y text COMPRESSION pglz";
        string values = string.Join(", ", TypeCase.All.Select(t => $"CASE WHEN random() < 0.2 THEN NULL ELSE {t.RandomExpr} END"))
            + ", CASE WHEN random() < 0.1 THEN repeat('lz4 ', 600) END, CASE WHEN random() < 0.1 THEN repeat('pglz ', 600) END";
        db.Execute("SELECT setseed(0.1234)");
        var heap = Table("fuzz", cols, $"SELECT {values} FROM generate_series(1, 300)");
        int[] all = [.. heap.Layout.Attributes.Select(a => a.AttNum)];
        var decoders = new[] { new HeapPageDecoder(heap.Layout, all), new HeapPageDecoder(heap.Layout, [3, 8, 11, 12, 20]) };
        var anything = new AnyDetoasted();

        int seed = Environment.GetEnvironmentVariable("PGFUSION_FUZZ_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"fuzz seed {seed} (PGFUSION_FUZZ_SEED={seed} reproduces), {heap.Pages.Count} pages");
        var rng = new Random(seed);
        int decoded = 0, rejected = 0;
        for (int n = 0; n < 6000; n++)
        {
            var page = (byte[])heap.Pages[rng.Next(heap.Pages.Count)].Clone();
            int mutations = rng.Next(1, 6);
            for (int m = 0; m < mutations; m++)
            {
                int at = rng.Next(4) switch
                {
                    0 => rng.Next(0, 24),
                    1 => rng.Next(24, 24 + 4 * 60),
                    _ => rng.Next(page.Length),
                };
                page[at] = rng.Next(3) switch { 0 => (byte)rng.Next(256), 1 => (byte)(page[at] ^ (1 << rng.Next(8))), _ => (byte)(page[at] + rng.Next(-2, 3)) };
            }
            var decoder = decoders[n % 2];
            try
            {
                decoder.Decode(page, AllVisible, (uint)n, decoder.NewBatch(8), n % 3 == 0 ? null : anything);
                decoded++;
            }
            catch (HeapDecodeException e)
            {
                // the typed error names where it stopped: this block, an item of the page (0: the header), an attribute of the relation (0: none)
                if (e.SqlState != "XX001" || e.Block != (uint)n || e.Item is < 0 or > Page.PageFormat.MaxHeapTuplesPerPage || e.AttNum < 0 || e.AttNum > heap.Layout.Attributes.Count
                    || !e.Message.StartsWith($"corrupt heap page (block {n}", StringComparison.Ordinal))
                    Assert.Fail($"fuzz seed {seed}, case {n}: error without its place: {e.SqlState} block {e.Block} item {e.Item} attribute {e.AttNum}: {e.Message}");
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"fuzz seed {seed}, case {n}: {e.GetType().Name}: {e}");
            }
        }
        output.WriteLine($"decoded {decoded}, rejected {rejected}");
        Assert.True(decoded > 100 && rejected > 100, $"decoded {decoded}, rejected {rejected}");
    }

    /// <summary>Answers every external pointer with a small, valid-looking value.</summary>
    private sealed class AnyDetoasted : IDetoastedValues
    {
        private static readonly byte[] Value = "detoasted"u8.ToArray();

        public bool TryGet(ushort offsetNumber, int attNum, out ReadOnlySpan<byte> value)
        {
            value = Value;
            return offsetNumber % 2 == 0;
        }
    }
}
