using PgFusion.HeapDecoder.Tests.Support;
using PgFusion.TestSupport;
using Xunit;

namespace PgFusion.HeapDecoder.Tests;

/// <summary>One fixture per special tuple or page shape, each made through SQL and checked against SELECT.</summary>
public sealed class ShapeTests(ShapesDatabase db) : IClassFixture<ShapesDatabase>
{
    [Fact]
    public void Fast_walk_hands_unusual_tuples_to_the_general_walk()
    {
        // No nulls, so every tuple starts on the fast walk; the long, compressed, NaN, wide and
        // 4-byte-header values make it give the tuple back midway, after writing earlier columns.
        db.Execute("""
            DROP TABLE IF EXISTS fastwalk;
            CREATE TABLE fastwalk (k int8 NOT NULL, q numeric(15,2) NOT NULL, flag char(1) NOT NULL, d date NOT NULL,
                                   t text NOT NULL, u numeric NOT NULL, b bool NOT NULL, tail varchar(400) NOT NULL, s int2 NOT NULL);
            ALTER TABLE fastwalk ALTER COLUMN t SET STORAGE MAIN;
            ALTER TABLE fastwalk ALTER COLUMN tail SET STORAGE EXTERNAL;
            INSERT INTO fastwalk
            SELECT i,
                   CASE i % 9 WHEN 0 THEN 'NaN' WHEN 1 THEN 1234567890123.45 WHEN 2 THEN 0 WHEN 3 THEN -(i / 7.0)::numeric(15,2)
                              WHEN 4 THEN 0.07 ELSE (i * 1000.01)::numeric(15,2) END,
                   chr(65 + i % 3), date '1998-01-01' + i,
                   CASE i % 5 WHEN 0 THEN repeat('compress me ', 300) WHEN 1 THEN repeat('x', 200) ELSE 'short' || i END,
                   CASE i % 4 WHEN 0 THEN 'NaN' WHEN 1 THEN 1.5e30 ELSE i / 3.0 END,
                   i % 2 = 0,
                   CASE i % 3 WHEN 0 THEN repeat('t', 150 + i % 100) ELSE 'tail' || i END,
                   (i % 30000)::int2
            FROM generate_series(1, 1500) i;
            VACUUM FREEZE fastwalk;
            """);
        Assert.Equal(1500, DecodeCheck.Run(db.Connection, "fastwalk"));
        Assert.Equal(1500, DecodeCheck.Run(db.Connection, "fastwalk", [2, 3, 4, 5, 8, 9]));
        Assert.Equal(1500, DecodeCheck.Run(db.Connection, "fastwalk", [9, 2, 4]));
        Assert.Equal(1500, DecodeCheck.Run(db.Connection, "fastwalk", [2, 7], batchCapacity: 4096));
    }

    [Fact]
    public void Fixed_scale_numerics_at_every_precision_boundary_decode_exactly()
    {
        // The fast walk turns short-header numerics of up to 4 base-10000 digits straight into
        // scaled longs; 5+ digits, overflow of a long (numeric(19,2)), NaN and long headers
        // (dscale 70 > 63) go to the general path. The last column ends each page's first tuple
        // at the end of the page, where the digits are read one by one.
        db.Execute("""
            DROP TABLE IF EXISTS numbounds;
            CREATE TABLE numbounds (k int4 NOT NULL, p18s0 numeric(18,0) NOT NULL, p18s2 numeric(18,2) NOT NULL,
                                    p19s2 numeric(19,2) NOT NULL, p4s4 numeric(4,4) NOT NULL, p15s2 numeric(15,2) NOT NULL,
                                    p38s10 numeric(38,10) NOT NULL, p90s70 numeric(90,70) NOT NULL, last numeric(15,2) NOT NULL);
            INSERT INTO numbounds
            SELECT i,
                   CASE i % 7 WHEN 0 THEN 999999999999999999 WHEN 1 THEN -999999999999999999 WHEN 2 THEN 9999999999999999
                              WHEN 3 THEN -9999999999999999 WHEN 4 THEN 10000000000000000 WHEN 5 THEN 0 ELSE i * 12345 END,
                   CASE i % 8 WHEN 0 THEN 9999999999999999.99 WHEN 1 THEN -9999999999999999.99 WHEN 2 THEN 99999999.99
                              WHEN 3 THEN -99999999.99 WHEN 4 THEN 0.01 WHEN 5 THEN -0.01 WHEN 6 THEN 10000.00 ELSE i / 7.0 END,
                   CASE i % 5 WHEN 0 THEN 99999999999999999.99 WHEN 1 THEN -99999999999999999.99 WHEN 2 THEN 92233720368547758.07
                              WHEN 3 THEN -92233720368547758.08 ELSE -i / 3.0 END,
                   CASE i % 5 WHEN 0 THEN 0.9999 WHEN 1 THEN -0.9999 WHEN 2 THEN -0.0001 WHEN 3 THEN 0 ELSE (i % 10000) / 10000.0 END,
                   CASE i % 6 WHEN 0 THEN 9999999999999.99 WHEN 1 THEN -9999999999999.99 WHEN 2 THEN 'NaN' WHEN 3 THEN -0.00
                              ELSE i * 1.01 END,
                   CASE i % 4 WHEN 0 THEN 1e27 WHEN 1 THEN -12345.6789012345 WHEN 2 THEN 0.0000000001 ELSE i / 7.0 END,
                   CASE i % 3 WHEN 0 THEN 0 WHEN 1 THEN -i / 7.0 ELSE i END,
                   CASE i % 4 WHEN 0 THEN -i * 0.01 WHEN 1 THEN 123456789.12 ELSE i * 0.01 END
            FROM generate_series(1, 3000) i;
            VACUUM FREEZE numbounds;
            """);
        Assert.Equal(3000, DecodeCheck.Run(db.Connection, "numbounds"));
        Assert.Equal(3000, DecodeCheck.Run(db.Connection, "numbounds", [9, 1]));
        Assert.Equal(3000, DecodeCheck.Run(db.Connection, "numbounds", [6, 9, 2, 5], batchCapacity: 4096));
    }

    [Fact]
    public void Dropped_columns_are_skipped()
    {
        db.Execute("""
            DROP TABLE IF EXISTS dropped;
            CREATE TABLE dropped (a int4, gone_fixed int8, b text, gone_var text, c numeric(12,4), gone_last float8, d date);
            INSERT INTO dropped SELECT i, i, repeat('b', i % 140), repeat('g', i % 300), i / 3.0, i, date '2001-01-01' + i FROM generate_series(1, 700) i;
            ALTER TABLE dropped DROP COLUMN gone_fixed;
            ALTER TABLE dropped DROP COLUMN gone_var;
            INSERT INTO dropped (a, b, c, d) SELECT -i, NULL, -i / 7.0, NULL FROM generate_series(1, 300) i;
            ALTER TABLE dropped DROP COLUMN gone_last;
            VACUUM FREEZE dropped;
            """);
        var layout = HeapTable.ReadLayout(db.Connection, "dropped");
        Assert.Equal(3, layout.Attributes.Count(a => a.IsDropped));
        Assert.Equal(1000, DecodeCheck.Run(db.Connection, "dropped"));
        Assert.Equal(1000, DecodeCheck.Run(db.Connection, "dropped", [7, 1]));
    }

    [Fact]
    public void Added_columns_read_their_missing_default_or_null_in_older_tuples()
    {
        db.Execute("""
            DROP TABLE IF EXISTS added;
            CREATE TABLE added (a int4, b text);
            INSERT INTO added SELECT i, 'old' || i FROM generate_series(1, 500) i;
            ALTER TABLE added ADD COLUMN n1 int8 DEFAULT 42;
            ALTER TABLE added ADD COLUMN n2 text DEFAULT 'default text';
            ALTER TABLE added ADD COLUMN n3 numeric(10,2) DEFAULT 3.5;
            ALTER TABLE added ADD COLUMN n4 int4;
            ALTER TABLE added ADD COLUMN n5 timestamp DEFAULT '2020-02-02 02:02:02';
            ALTER TABLE added ADD COLUMN n6 char(8) DEFAULT 'pad';
            ALTER TABLE added ADD COLUMN n7 uuid DEFAULT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
            ALTER TABLE added ADD COLUMN n8 text DEFAULT repeat('long default ', 20);
            INSERT INTO added SELECT i, 'new', i, 'x', i, i, NULL, 'q', NULL, NULL FROM generate_series(1, 300) i;
            VACUUM FREEZE added;
            """);
        var layout = HeapTable.ReadLayout(db.Connection, "added");
        Assert.True(layout.Attributes.Count(a => a.MissingValue is not null) >= 6);
        Assert.Equal(800, DecodeCheck.Run(db.Connection, "added"));
        Assert.Equal(800, DecodeCheck.Run(db.Connection, "added", [10, 5, 3]));
    }

    [Theory]
    [InlineData("pglz")]
    [InlineData("lz4")]
    public void Inline_compressed_values_are_decompressed(string method)
    {
        string table = $"compressed_{method}";
        db.Execute($"""
            DROP TABLE IF EXISTS {table};
            CREATE TABLE {table} (id int4, t text COMPRESSION {method}, b bytea COMPRESSION {method}, v varchar COMPRESSION {method});
            ALTER TABLE {table} ALTER COLUMN t SET STORAGE MAIN;
            ALTER TABLE {table} ALTER COLUMN b SET STORAGE MAIN;
            INSERT INTO {table} SELECT i, repeat('abc' || i, 500 + i), convert_to(repeat('xyz' || i, 400), 'UTF8'),
                                     CASE WHEN i % 2 = 0 THEN repeat(md5(i::text), 100) END FROM generate_series(1, 120) i;
            VACUUM FREEZE {table};
            """);
        Assert.Equal(method, PgServer.Scalar(db.Connection, $"SELECT pg_column_compression(t) FROM {table} LIMIT 1"));
        Assert.True((long)PgServer.Scalar(db.Connection, $"SELECT count(*) FROM {table} WHERE pg_column_compression(b) = '{method}'")! > 0);
        Assert.Equal(120, DecodeCheck.Run(db.Connection, table));
    }

    [Fact]
    public void External_toast_values_come_from_the_detoasted_values()
    {
        db.Execute("""
            DROP TABLE IF EXISTS toasted;
            CREATE TABLE toasted (id int4, big text, small text, raw bytea);
            ALTER TABLE toasted ALTER COLUMN raw SET STORAGE EXTERNAL;
            INSERT INTO toasted SELECT i, (SELECT string_agg(md5((i * 1000 + j)::text), '') FROM generate_series(1, 200 + i) j), 's' || i,
                                    convert_to(repeat('r', 3000 + i), 'UTF8') FROM generate_series(1, 40) i;
            VACUUM FREEZE toasted;
            """);
        var heap = HeapTable.Read(db.Connection, "toasted");
        var detoaster = new SqlDetoaster(db.Connection, "toasted", heap.Layout);
        Assert.Equal(40, DecodeCheck.Run(db.Connection, "toasted", null, detoaster));
        Assert.True(detoaster.Fetched >= 80, $"expected external values, fetched {detoaster.Fetched}");

        // Without the backend's values the decoder says which tuple and attribute it misses.
        var e = Assert.Throws<HeapDecodeException>(() => DecodeCheck.DecodeAll(heap, [2]));
        Assert.Equal("XX001", e.SqlState);
        Assert.Equal(2, e.AttNum);
        Assert.True(e.Item > 0);
        // Attributes that are not requested are skipped without the backend.
        Assert.Equal(40, DecodeCheck.DecodeAll(heap, [1, 3]).Length);
    }

    [Fact]
    public void Hot_chains_redirects_and_deletes_follow_visibility()
    {
        db.Execute("""
            DROP TABLE IF EXISTS hot;
            CREATE TABLE hot (id int4 PRIMARY KEY, v int8, t text) WITH (fillfactor = 50, autovacuum_enabled = off);
            INSERT INTO hot SELECT i, i, 'row ' || i FROM generate_series(1, 600) i;
            UPDATE hot SET v = v + 1, t = t || '+' WHERE id % 3 = 0;
            UPDATE hot SET v = v + 1 WHERE id % 6 = 0;
            DELETE FROM hot WHERE id % 10 = 0;
            """);
        // Before vacuum: dead and updated versions are still on the pages, not visible.
        Assert.Equal(540, DecodeCheck.Run(db.Connection, "hot"));
        db.Execute("VACUUM hot");
        // Pruning turned HOT chain roots into redirects and removed the deleted rows.
        var redirects = (long)PgServer.Scalar(db.Connection,
            "SELECT count(*) FROM generate_series(0, pg_relation_size('hot') / 8192 - 1) b, heap_page_items(get_raw_page('hot', b::int)) WHERE lp_flags = 2")!;
        Assert.True(redirects > 0, "no LP_REDIRECT items were made");
        db.Execute("UPDATE hot SET v = -v WHERE id % 7 = 0");
        Assert.Equal(540, DecodeCheck.Run(db.Connection, "hot"));
    }

    [Fact]
    public void Dead_line_pointers_left_by_pruning_are_skipped()
    {
        // VACUUM without index cleanup prunes the deleted rows and dead HOT members to LP_DEAD items and
        // leaves them (their index entries still point there); with HOT chains pruned to LP_REDIRECT.
        db.Execute("""
            DROP TABLE IF EXISTS dead_items;
            CREATE TABLE dead_items (id int4 PRIMARY KEY, v numeric(12,2), t text) WITH (fillfactor = 60, autovacuum_enabled = off);
            INSERT INTO dead_items SELECT i, i / 4.0, 'row ' || i FROM generate_series(1, 2000) i;
            DELETE FROM dead_items WHERE id % 4 = 1;
            UPDATE dead_items SET v = -v WHERE id % 6 = 0;
            VACUUM (INDEX_CLEANUP off) dead_items;
            UPDATE dead_items SET t = t || '!' WHERE id % 10 = 2;
            """);
        long Flags(int flag) => (long)PgServer.Scalar(db.Connection,
            $"SELECT count(*) FROM generate_series(0, pg_relation_size('dead_items') / 8192 - 1) b, heap_page_items(get_raw_page('dead_items', b::int)) WHERE lp_flags = {flag}")!;
        Assert.True(Flags(3) > 0, "no LP_DEAD items were left");
        Assert.True(Flags(2) > 0, "no LP_REDIRECT items were made");
        int rows = (int)(long)PgServer.Scalar(db.Connection, "SELECT count(*) FROM dead_items")!;
        Assert.Equal(1500, rows);
        Assert.Equal(rows, DecodeCheck.Run(db.Connection, "dead_items"));
        Assert.Equal(rows, DecodeCheck.Run(db.Connection, "dead_items", [2]));
    }

    [Fact]
    public void New_and_empty_pages_hold_no_tuples()
    {
        db.Execute("DROP TABLE IF EXISTS one; CREATE TABLE one (a int4);");
        var layout = HeapTable.ReadLayout(db.Connection, "one");
        var decoder = new HeapPageDecoder(layout, [1]);
        var batch = decoder.NewBatch(8);
        var allVisible = Enumerable.Repeat((byte)0xFF, HeapPageDecoder.VisibilityBitmapBytes).ToArray();
        Assert.Equal(0, decoder.Decode(new byte[8192], allVisible, 0, batch, null));

        // An initialised page with no line pointers, as PageInit leaves it.
        var empty = new byte[8192];
        BitConverter.TryWriteBytes(empty.AsSpan(12), (ushort)24);
        BitConverter.TryWriteBytes(empty.AsSpan(14), (ushort)8192);
        BitConverter.TryWriteBytes(empty.AsSpan(16), (ushort)8192);
        BitConverter.TryWriteBytes(empty.AsSpan(18), (ushort)(8192 | 4));
        Assert.Equal(0, decoder.Decode(empty, allVisible, 0, batch, null));

        // A first page whose rows were all deleted and vacuumed: its line pointers are LP_UNUSED.
        db.Execute("""
            INSERT INTO one SELECT generate_series(1, 2000);
            DELETE FROM one WHERE ctid < '(1,0)';
            VACUUM one;
            """);
        Assert.Equal(0L, PgServer.Scalar(db.Connection, "SELECT count(*) FROM heap_page_items(get_raw_page('one', 0)) WHERE lp_flags = 1"));
        Assert.True((long)PgServer.Scalar(db.Connection, "SELECT count(*) FROM heap_page_items(get_raw_page('one', 0))")! > 0);
        var heap = HeapTable.Read(db.Connection, "one");
        Assert.Equal(0, decoder.Decode(heap.Pages[0], allVisible, 0, batch, null));
        Assert.Equal((int)(long)PgServer.Scalar(db.Connection, "SELECT count(*) FROM one")!, DecodeCheck.Run(db.Connection, "one"));
        Assert.Equal(0, batch.Length);
    }
}
