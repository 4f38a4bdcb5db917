using System.Text;
using PgFusion.Arrow;
using PgFusion.HeapDecoder.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.HeapDecoder.Tests;

/// <summary>
/// The specialised page loop (TupleWalker), the interpreted step list and the general walk give the same
/// values and the same errors (block, item, attribute, message) on the same pages: real
/// lineitem-shaped pages with the shapes that make the fast walks give a tuple back (NULLs,
/// NaN, long numerics, 4-byte and compressed varlenas), and thousands of mutations of them.
/// </summary>
public sealed class DecodePathTests(PathsDatabase db, ITestOutputHelper output) : IClassFixture<PathsDatabase>
{
    [Fact]
    public void Specialised_walk_step_list_and_general_walk_agree_on_real_and_mutated_pages()
    {
        db.Execute("""
            DROP TABLE IF EXISTS paths;
            CREATE TABLE paths (k int8, part int4, q numeric(15,2), price numeric(15,2), disc numeric(15,2), flag char(1),
                                status char(1), d date, line int2, mode char(10), c varchar(44), t text, f float8, u numeric(12,4));
            ALTER TABLE paths ALTER COLUMN t SET STORAGE MAIN;
            SELECT setseed(0.4321);
            INSERT INTO paths
            SELECT i, (random() * 200000)::int4,
                   CASE WHEN random() < 0.02 THEN NULL WHEN random() < 0.02 THEN 'NaN' ELSE (1 + (random() * 49)::int)::numeric(15,2) END,
                   CASE WHEN random() < 0.03 THEN 1234567890123.45 WHEN random() < 0.03 THEN -(random() * 1000)::numeric(15,2)
                        ELSE (random() * 100000)::numeric(15,2) END,
                   (random() * 0.1)::numeric(15,2),
                   CASE WHEN random() < 0.02 THEN NULL ELSE chr(65 + (random() * 3)::int) END,
                   chr(70 + (random() * 1)::int), date '1992-01-01' + (random() * 2500)::int, (i % 7)::int2,
                   CASE WHEN random() < 0.5 THEN 'MAIL' ELSE 'TRUCK' END,
                   left(md5(i::text) || md5((i * 7)::text), (random() * 44)::int),
                   CASE WHEN random() < 0.03 THEN repeat('compress me ', 200) WHEN random() < 0.05 THEN repeat('y', 130 + (random() * 100)::int)
                        ELSE 'short ' || i END,
                   random(), (random() * 10000000)::numeric(12,4)
            FROM generate_series(1, 3000) i;
            VACUUM FREEZE paths;
            """);
        var heap = HeapTable.Read(db.Connection, "paths");
        var types = heap.Layout.Attributes.Select(a => a.Type).ToArray();
        int[][] projections =
        [
            [3, 4, 5, 6, 7, 8],
            [.. Enumerable.Range(1, 14)],
            [8, 3, 10],
            [11, 1],
            [9, 4],
            [14, 12, 6],
        ];

        int seed = Environment.GetEnvironmentVariable("PGFUSION_FUZZ_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (PGFUSION_FUZZ_SEED={seed} reproduces), {heap.Pages.Count} pages");
        var rng = new Random(seed);
        int errors = 0, cases = 0;
        foreach (var attNums in projections)
        {
            var decoders = new[]
            {
                new HeapPageDecoder(heap.Layout, attNums, DecodePaths.Default),
                new HeapPageDecoder(heap.Layout, attNums, DecodePaths.StepList),
                new HeapPageDecoder(heap.Layout, attNums, DecodePaths.GeneralOnly),
            };
            var colTypes = attNums.Select(a => types[a - 1]).ToArray();

            // the real pages, all into one batch (runs meet batch growth and page boundaries)
            var whole = decoders.Select(d => DecodeAll(d, heap.Pages, heap.Visibility, colTypes)).ToArray();
            Assert.Equal(whole[2], whole[0]);
            Assert.Equal(whole[2], whole[1]);

            for (int n = 0; n < 400; n++)
            {
                int p = rng.Next(heap.Pages.Count);
                var page = (byte[])heap.Pages[p].Clone();
                int mutations = rng.Next(0, 5);
                for (int m = 0; m < mutations; m++)
                {
                    int at = rng.Next(5) switch
                    {
                        0 => rng.Next(0, 24),
                        1 => rng.Next(24, 24 + (4 * 60)),
                        _ => rng.Next(page.Length),
                    };
                    page[at] = rng.Next(3) switch { 0 => (byte)rng.Next(256), 1 => (byte)(page[at] ^ (1 << rng.Next(8))), _ => (byte)(page[at] + rng.Next(-2, 3)) };
                }
                var visibility = (byte[])heap.Visibility[p].Clone();
                if (rng.Next(4) == 0)
                {
                    for (int b = 0; b < visibility.Length; b++) visibility[b] &= (byte)rng.Next(256);
                }
                int capacity = rng.Next(2) == 0 ? 1 : 4096;
                var outcomes = decoders.Select(d => DecodeAll(d, [page], [visibility], colTypes, capacity, (uint)n)).ToArray();
                if (outcomes[2] != outcomes[0] || outcomes[2] != outcomes[1])
                {
                    Assert.Fail($"seed {seed}, projection [{string.Join(",", attNums)}], case {n} (page {p}, {mutations} mutations):\n"
                        + $"general: {Head(outcomes[2])}\nspecialised: {Head(outcomes[0])}\nstep list: {Head(outcomes[1])}");
                }
                if (outcomes[2].StartsWith("error", StringComparison.Ordinal)) errors++;
                cases++;
            }
        }
        output.WriteLine($"{cases} cases, {errors} raised HeapDecodeException");
        Assert.True(errors > 100 && errors < cases - 100, $"{errors} errors in {cases} cases");
    }

    [Fact]
    public void Inline_numeric_and_text_steps_decode_their_boundary_shapes_as_postgresql_on_every_path()
    {
        // The specialised walk decodes inline only a 1-byte-header short numeric of 0-4 digits
        // whose scaled value fits (11 readable bytes from its header) and a 1-byte-header text of
        // at most 32 bytes (33 readable bytes, 32 free bytes in the buffer); everything else goes
        // to one out-of-line call from the value's start, then to the general walk. Rows here sit
        // on both sides of each bound: 0-4 digit numerics, negative and -0.00, NaN, 5-digit and
        // long-header values, values too large for a long at scale 10 (numeric(30,10)), weights
        // that scale up and down, texts of 0-40 bytes (16/17 and 32/33 included) and 4-byte
        // headers; the first tuple of each page ends at the page end (short readable tails); the
        // batch capacities 1, 64 and 4096 make the text buffer run full at different rows.
        db.Execute("""
            DROP TABLE IF EXISTS inlineshapes;
            CREATE TABLE inlineshapes (k int4, q numeric(15,2), price numeric(15,2), flag char(1), big numeric(30,10),
                                       c varchar(44), t text, frac numeric(4,4), d date, last numeric(15,2));
            ALTER TABLE inlineshapes ALTER COLUMN t SET STORAGE MAIN;
            INSERT INTO inlineshapes
            SELECT i,
                   CASE i % 13 WHEN 0 THEN 0 WHEN 1 THEN -0.00 WHEN 2 THEN 0.01 WHEN 3 THEN -0.01 WHEN 4 THEN 9999.99 WHEN 5 THEN 10000
                               WHEN 6 THEN -99999999.99 WHEN 7 THEN 'NaN' WHEN 8 THEN 1234567890123.45 WHEN 9 THEN -9999999999999.99
                               WHEN 10 THEN 100000000 WHEN 11 THEN 0.5 ELSE (i % 50) + 1 END,
                   CASE i % 5 WHEN 0 THEN -(i * 3.37) WHEN 1 THEN i * 1000.01 WHEN 2 THEN 12345678.9 WHEN 3 THEN NULL ELSE i * 0.07 END,
                   CASE i % 4 WHEN 0 THEN 'N' WHEN 1 THEN 'R' WHEN 2 THEN '' ELSE 'A' END,
                   CASE i % 6 WHEN 0 THEN 10000000000000000 WHEN 1 THEN -10000000000000000 WHEN 2 THEN 922337203.6854775807
                               WHEN 3 THEN 0.0000000001 WHEN 4 THEN -123456.789 ELSE i END,
                   left(repeat(md5(i::text), 2), i % 41),
                   CASE WHEN i % 17 = 0 THEN repeat('w', 130 + i % 50) ELSE left(repeat(md5((i * 3)::text), 2), (i * 7) % 41) END,
                   CASE i % 4 WHEN 0 THEN 0.9999 WHEN 1 THEN -0.0001 WHEN 2 THEN 0 ELSE (i % 10000) / 10000.0 END,
                   date '1992-01-01' + i % 2500,
                   CASE i % 3 WHEN 0 THEN -i * 0.01 WHEN 1 THEN 123456789.12 ELSE i * 0.01 END
            FROM generate_series(1, 3000) i;
            VACUUM FREEZE inlineshapes;
            """);
        int[][] projections = [[2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 4, 6, 10], [5, 8], [7, 3], [10]];
        foreach (var paths in new[] { DecodePaths.Default, DecodePaths.StepList, DecodePaths.GeneralOnly })
        {
            foreach (var attNums in projections)
            {
                foreach (int capacity in new[] { 1, 64, 4096 })
                    Assert.Equal(3000, DecodeCheck.Run(db.Connection, "inlineshapes", paths, attNums, batchCapacity: capacity));
            }
        }
    }

    [Fact]
    public void Tuples_that_end_the_page_decode_from_the_padded_copy_as_postgresql_on_every_path()
    {
        // The specialised walk reads up to 33 bytes past a value's start unchecked; a tuple with
        // fewer bytes of the page after its data (the one that ends the page) is walked from a
        // padded copy instead. Rows of ~3.6 kB (an uncompressed 4-byte-header text first) put
        // two tuples on a page, so half of them end their page (rows 1, 3, 5, ...: the first
        // tuple inserted into a page ends it). Each parity has one shape (odd rows: 1-digit and
        // 2-digit numerics and a 10-byte varchar; even rows: -0.00, NaN, which the fast walk
        // leaves to the general walk, and a 33-byte varchar, the text bound), so a walk over a
        // stale copy would parse and give wrong values rather than fall back to the general walk
        // (checked: walking every page's last tuple from the first page's copy fails this test).
        db.Execute("""
            DROP TABLE IF EXISTS pageends;
            CREATE TABLE pageends (pad text, q numeric(15,2), flag char(1), c varchar(40), last numeric(15,2));
            ALTER TABLE pageends ALTER COLUMN pad SET STORAGE PLAIN;
            INSERT INTO pageends
            SELECT (SELECT string_agg(md5((i * 1000 + j)::text), '') FROM generate_series(1, 112) j),
                   CASE i % 2 WHEN 1 THEN (i % 50) + 1 ELSE -0.00 END,
                   CASE (i / 2) % 3 WHEN 0 THEN 'N' WHEN 1 THEN 'R' ELSE 'A' END,
                   left(repeat(md5(i::text), 2), 33 - (i % 2) * 23),
                   CASE i % 2 WHEN 1 THEN CASE (i / 2) % 2 WHEN 0 THEN (i % 9) + 1.5 ELSE -(i % 9) - 1.25 END ELSE 'NaN' END
            FROM generate_series(1, 400) i;
            VACUUM FREEZE pageends;
            """);
        using (var pagesUsed = new Npgsql.NpgsqlCommand("SELECT count(DISTINCT (ctid::text::point)[0])::int8 FROM pageends", db.Connection))
        {
            long pages = (long)pagesUsed.ExecuteScalar()!;
            Assert.InRange(pages, 180, 220);
        }
        int[][] projections = [[2, 3, 4, 5], [5], [4], [3, 5], [1, 5]];
        foreach (var paths in new[] { DecodePaths.Default, DecodePaths.StepList, DecodePaths.GeneralOnly })
        {
            foreach (var attNums in projections)
            {
                foreach (int capacity in new[] { 1, 4096 })
                    Assert.Equal(400, DecodeCheck.Run(db.Connection, "pageends", paths, attNums, batchCapacity: capacity));
            }
        }
    }

    [Fact]
    public void Values_that_miss_the_learned_shape_guess_decode_as_postgresql_on_every_path()
    {
        // The specialised walk learns per column the shape most values share (ShapeGuess: a
        // numeric's header byte and short header, a text's header byte) and, for a value that
        // matches it, takes the size from the guess and scales the digits with one entry. Each
        // column here has a dominant shape (so the guess is learned on the first pages) and
        // values that miss it on every page: q numeric(15,2) mostly 1-50 (1 digit, weight 0)
        // with 0 (no digit), 12.34 (2 digits), 100000000 (1 digit, weight 2: same header byte,
        // other weight), 99999999.99 (4 digits), negatives, NaN and NULL; disc mostly 0.01-0.10
        // (weight -1) with 0 and 1.05; n0 numeric(10,0) mostly 1-9 with 12345 (an exact
        // division by 10^4 when guessed); tag varchar(8) mostly 2 bytes with '', 1 and 8 bytes;
        // price with shapes that vary row by row (its guesses are dropped: strikes); wide mostly
        // 3 digits (weight 1) and four mostly 4 digits (weight 2), the guesses read as
        // NumericScaled.Combine's four lanes, with 2-digit, other-weight and 5-digit values. Rows
        // 4001-4300 are stored while q and tag are PLAIN (4-byte headers, never guessed), rows
        // 4301-6000 change q's dominant shape to 2 digits (a new guess after a dropped one).
        db.Execute("""
            DROP TABLE IF EXISTS guesses;
            CREATE TABLE guesses (k int4, q numeric(15,2), disc numeric(15,2), flag char(1), tag varchar(8),
                                  price numeric(15,2), n0 numeric(10,0), d date, wide numeric(15,2), four numeric(18,2));
            CREATE FUNCTION pg_temp.guess_row(i int4, phase int4) RETURNS guesses LANGUAGE sql AS $$
                SELECT i,
                       CASE WHEN i % 41 = 0 THEN NULL WHEN i % 37 = 0 THEN 0 WHEN i % 31 = 0 THEN 12.34 WHEN i % 29 = 0 THEN 'NaN'
                            WHEN i % 43 = 0 THEN -((i % 50) + 1) WHEN i % 53 = 0 THEN 100000000 WHEN i % 59 = 0 THEN 99999999.99
                            WHEN phase = 2 THEN (i % 50) + 10.25 ELSE (i % 50) + 1 END::numeric(15,2),
                       CASE WHEN i % 13 = 0 THEN 0 WHEN i % 43 = 0 THEN 1.05 ELSE ((i % 10) + 1) / 100.0 END::numeric(15,2),
                       CASE WHEN i % 11 = 0 THEN 'R' ELSE 'N' END,
                       CASE WHEN i % 7 = 0 THEN '' WHEN i % 47 = 0 THEN 'abcdefgh' WHEN i % 53 = 0 THEN 'x' ELSE 'ab' END,
                       (i * 37.77 % 100000)::numeric(15,2),
                       CASE WHEN i % 27 = 0 THEN 12345 ELSE (i % 9) + 1 END::numeric(10,0),
                       date '1992-01-01' + i % 2500,
                       CASE WHEN i % 9 = 0 THEN 1795.45 WHEN i % 61 = 0 THEN 123456789.12 WHEN i % 67 = 0 THEN 10000
                            ELSE 10000 + (i % 5000) + 0.25 END::numeric(15,2),
                       CASE WHEN i % 8 = 0 THEN 0.5 WHEN i % 71 = 0 THEN 9999999999999999.99 WHEN i % 73 = 0 THEN 100000017.5
                            ELSE 100000000 + (i % 10000) + 0.75 END::numeric(18,2)
            $$;
            INSERT INTO guesses SELECT (pg_temp.guess_row(i, 1)).* FROM generate_series(1, 4000) i;
            ALTER TABLE guesses ALTER COLUMN q SET STORAGE PLAIN, ALTER COLUMN tag SET STORAGE PLAIN;
            INSERT INTO guesses SELECT (pg_temp.guess_row(i, 1)).* FROM generate_series(4001, 4300) i;
            ALTER TABLE guesses ALTER COLUMN q SET STORAGE MAIN, ALTER COLUMN tag SET STORAGE EXTENDED;
            INSERT INTO guesses SELECT (pg_temp.guess_row(i, 2)).* FROM generate_series(4301, 6000) i;
            VACUUM FREEZE guesses;
            """);
        int[][] projections = [[2, 3, 4, 5, 6, 7, 8, 9, 10], [2], [3, 5], [7, 2, 8], [5, 6], [9, 10]];
        foreach (var attNums in projections)
        {
            foreach (int capacity in new[] { 1, 4096 })
                Assert.Equal(6000, DecodeCheck.Run(db.Connection, "guesses", DecodePaths.Default, attNums, batchCapacity: capacity));
            Assert.Equal(6000, DecodeCheck.Run(db.Connection, "guesses", DecodePaths.StepList, attNums, batchCapacity: 4096));
            Assert.Equal(6000, DecodeCheck.Run(db.Connection, "guesses", DecodePaths.GeneralOnly, attNums, batchCapacity: 4096));
        }
    }

    [Fact]
    public void Values_that_take_the_second_shape_guess_decode_as_postgresql_on_every_path()
    {
        // A numeric column whose first guess is kept learns the shape of its misses as a second
        // guess (ShapeGuess.LearnSecond), which only values that missed the first one try. Here each
        // column has a dominant shape, a common second one and rare others, over 6,000 rows (windows
        // of 1,024 walked rows end and are judged mid-page): ep as l_extendedprice (3 digits weight 1,
        // below 10000 2 digits weight 0 in ~1 of 6; 1-digit, 0, negative, NaN, NULL, 5-digit rare);
        // disc as l_discount (0.01-0.10, 0.00 in 1 of 5; 1.05 and -0.02 rare); n0 numeric(10,0) mostly
        // 1-9 with 12345 (2 digits weight 1: an exact division by 10^8 from Combine's lanes) in 1 of
        // 4 and 10000 rare; alt, whose misses alternate between two shapes (the second guess is struck
        // out); and from row 4001 on ep's shapes swap (its first guess is dropped, the second with it).
        db.Execute("""
            DROP TABLE IF EXISTS second_guesses;
            CREATE TABLE second_guesses (k int4, ep numeric(15,2), disc numeric(15,2), n0 numeric(10,0), flag char(1), alt numeric(15,2));
            CREATE FUNCTION pg_temp.second_row(i int4, phase int4) RETURNS second_guesses LANGUAGE sql AS $$
                SELECT i,
                       CASE WHEN i % 53 = 0 THEN NULL WHEN i % 47 = 0 THEN 0 WHEN i % 43 = 0 THEN -(10000 + i % 777) - 0.5
                            WHEN i % 41 = 0 THEN 'NaN' WHEN i % 37 = 0 THEN 123456789012.34 WHEN i % 31 = 0 THEN 7.00
                            WHEN (i % 6 = 0) = (phase = 1) THEN 1000 + (i * 7 % 9000) + 0.37
                            ELSE 10000 + (i * 13 % 90000) + 0.91 END::numeric(15,2),
                       CASE WHEN i % 5 = 0 THEN 0 WHEN i % 59 = 0 THEN 1.05 WHEN i % 61 = 0 THEN -0.02
                            ELSE ((i % 10) + 1) / 100.0 END::numeric(15,2),
                       CASE WHEN i % 4 = 0 THEN 12345 WHEN i % 67 = 0 THEN 10000 ELSE (i % 9) + 1 END::numeric(10,0),
                       CASE WHEN i % 3 = 0 THEN 'A' ELSE 'N' END,
                       CASE WHEN i % 5 = 0 THEN 0 WHEN i % 5 = 1 THEN 12.34 ELSE (i % 50) + 1 END::numeric(15,2)
            $$;
            INSERT INTO second_guesses SELECT (pg_temp.second_row(i, 1)).* FROM generate_series(1, 4000) i;
            INSERT INTO second_guesses SELECT (pg_temp.second_row(i, 2)).* FROM generate_series(4001, 6000) i;
            VACUUM FREEZE second_guesses;
            """);
        int[][] projections = [[2, 3, 4, 5, 6], [2], [3, 4], [6, 2], [4, 5, 6]];
        foreach (var attNums in projections)
        {
            foreach (int capacity in new[] { 1, 4096 })
                Assert.Equal(6000, DecodeCheck.Run(db.Connection, "second_guesses", DecodePaths.Default, attNums, batchCapacity: capacity));
            Assert.Equal(6000, DecodeCheck.Run(db.Connection, "second_guesses", DecodePaths.GeneralOnly, attNums, batchCapacity: 4096));
        }
    }

    [Fact]
    public void Page_ending_tuples_decode_as_postgresql_whether_their_values_reach_the_last_bytes_or_not()
    {
        // The tuple that ends a page has fewer than TupleWalker.SlackBytes of the page after it: the specialised
        // walk first walks it in place over its data minus those bytes (WalkNearEnd), which holds when every
        // projected value ends before them, and otherwise walks a padded copy. Here the bytes after the projected
        // values vary row by row from none to ~80 (tail of 0-40 bytes after t of 0-36, u last), so page-ending
        // tuples fall on both sides, with numerics that miss the learned guess or take the general walk: zero,
        // negatives, NaN, big weights, and an unconstrained numeric last with +/-Infinity.
        db.Execute("""
            DROP TABLE IF EXISTS near_end;
            CREATE TABLE near_end (k int4, n numeric(15,2), t varchar(40), tail varchar(40), u numeric);
            INSERT INTO near_end SELECT i,
                   CASE WHEN i % 11 = 0 THEN 0 WHEN i % 13 = 0 THEN -((i % 50) + 0.5) WHEN i % 17 = 0 THEN 'NaN'
                        WHEN i % 19 = 0 THEN 1234567890123.45 WHEN i % 23 = 0 THEN 0.01 ELSE (i % 50) + 1 END::numeric(15,2),
                   repeat('x', i % 37),
                   repeat('y', (i * 7) % 41),
                   CASE WHEN i % 7 = 0 THEN 'Infinity' WHEN i % 7 = 1 THEN '-Infinity' WHEN i % 7 = 2 THEN 'NaN'
                        WHEN i % 7 = 3 THEN 0 WHEN i % 7 = 4 THEN -123456789.123456789 ELSE i * 1e20 END::numeric
            FROM generate_series(1, 4000) i;
            VACUUM FREEZE near_end;
            """);
        int[][] projections = [[2], [2, 3], [3], [2, 3, 4], [5], [2, 5], [.. Enumerable.Range(1, 5)]];
        foreach (var attNums in projections)
        {
            foreach (int capacity in new[] { 64, 4096 })
                Assert.Equal(4000, DecodeCheck.Run(db.Connection, "near_end", DecodePaths.Default, attNums, batchCapacity: capacity));
        }
    }

    /// <summary>
    /// The decoder binds the batch's buffers once per batch (HeapPageDecoder's bound state) and
    /// rebinds when a column's BufferVersion changes: between pages the caller here replaces
    /// buffers as kernels and growth do (a value array grown by EnsureCapacity, Kinds dropped
    /// when every row so far is finite, Validity dropped when no row so far is null, a validity
    /// bitmap created); the decoded values must still equal SELECT's.
    /// </summary>
    [Fact]
    public void Buffers_replaced_between_pages_are_rebound_and_decode_as_postgresql()
    {
        db.Execute("""
            DROP TABLE IF EXISTS rebind;
            CREATE TABLE rebind (id int4, q numeric(15,2), flag char(1), note varchar(40), d date, big int8);
            INSERT INTO rebind SELECT i,
                   CASE WHEN i % 97 = 0 THEN 'NaN'::numeric WHEN i % 89 = 0 THEN NULL ELSE (i % 50) + 0.25 END,
                   CASE WHEN i % 83 = 0 THEN NULL ELSE chr(65 + i % 3) END,
                   CASE WHEN i % 79 = 0 THEN NULL ELSE repeat('n', i % 37) END,
                   CASE WHEN i % 73 = 0 THEN NULL ELSE date '1995-01-01' + i % 900 END,
                   i::int8 * 1000003
              FROM generate_series(1, 5000) i;
            VACUUM FREEZE rebind;
            """);
        static void Replace(RecordBatch batch, int block)
        {
            for (int c = 0; c < batch.Columns.Count; c++)
            {
                var column = batch.Columns[c];
                switch ((block + c) % 4)
                {
                    case 0:
                        // a grown value array (and offsets for text)
                        column.EnsureCapacity(Math.Max(column.Length * 2, 1024) + block);
                        break;
                    case 1:
                        if (column is DecimalColumn { Kinds: { } kinds } dec && kinds.AsSpan(0, dec.Length).IndexOfAnyExcept((byte)0) < 0) dec.Kinds = null;
                        break;
                    case 2:
                        if (column.Validity is { } v && v.CountNulls(column.Length) == 0) column.Validity = null;
                        break;
                    default:
                        column.EnsureValidity(column.Length + 512);
                        break;
                }
            }
        }
        int[][] projections = [[1, 2, 3, 4, 5, 6], [2, 4], [6, 1], [5]];
        foreach (var attNums in projections)
        {
            foreach (int capacity in new[] { 1, 4096 })
            {
                Assert.Equal(5000, DecodeCheck.Run(db.Connection, "rebind", DecodePaths.Default, attNums, batchCapacity: capacity, betweenPages: Replace));
                Assert.Equal(5000, DecodeCheck.Run(db.Connection, "rebind", DecodePaths.StepList, attNums, batchCapacity: capacity, betweenPages: Replace));
            }
            Assert.Equal(5000, DecodeCheck.Run(db.Connection, "rebind", DecodePaths.GeneralOnly, attNums, batchCapacity: 4096, betweenPages: Replace));
        }
    }

    /// <summary>Every decoded value as text, then the error if one was raised (the rows before it stay in the batch).</summary>
    private static string DecodeAll(HeapPageDecoder decoder, IReadOnlyList<byte[]> pages, IReadOnlyList<byte[]> visibility, PgFusion.Types.PgType[] types, int capacity = 16, uint block = 0)
    {
        var batch = decoder.NewBatch(capacity);
        string error = "";
        try
        {
            for (int b = 0; b < pages.Count; b++) decoder.Decode(pages[b], visibility[b], block + (uint)b, batch, null);
        }
        catch (HeapDecodeException e)
        {
            error = $"error block {e.Block} item {e.Item} attribute {e.AttNum}: {e.Message}\n";
        }
        var text = new StringBuilder(error);
        text.Append(batch.Length).Append(" rows\n");
        for (int r = 0; r < batch.Length; r++)
        {
            for (int c = 0; c < types.Length; c++)
            {
                Column column = batch.Columns[c];
                Assert.Equal(batch.Length, column.Length);
                text.Append(ValueText.Decoded(types[c], column, r)).Append('|');
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string Head(string outcome) => outcome.Length > 600 ? outcome[..600] + "..." : outcome;
}
