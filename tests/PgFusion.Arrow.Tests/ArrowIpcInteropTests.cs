using Npgsql;
using PgFusion.Arrow.Ipc;
using PgFusion.Arrow.Tests.Support;
using PgFusion.HeapDecoder;
using PgFusion.HeapDecoder.Tests.Support;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Arrow.Tests;

/// <summary>
/// Batches decoded from real heap pages, written with <see cref="ArrowStreamWriter"/> and read back
/// by the npm apache-arrow package: the schema it sees and every value, against PostgreSQL's own.
/// </summary>
public sealed class ArrowIpcInteropTests(ArrowDatabase db) : IClassFixture<ArrowDatabase>
{
    /// <summary>The decoder's types, plus numerics that travel as Utf8 and the timestamptz/date extremes.</summary>
    private static readonly IReadOnlyList<(string SqlType, string Expr)> Columns =
    [
        .. TypeCase.All.Select(t => (t.SqlType, t.RandomExpr)),
        ("numeric(50,5)", "round(((random() - 0.5) * 1e45)::numeric, 5)"),
        ("numeric(4,6)", "round((random() - 0.5)::numeric / 100, 6)"),
        ("timestamptz", "CASE WHEN random() < 0.1 THEN '-infinity'::timestamptz ELSE now() END"),
        ("date", "CASE WHEN random() < 0.1 THEN date '5874897-12-31' ELSE date '4713-01-01 BC' END"),
        ("interval", "CASE WHEN random() < 0.5 THEN interval '-2562047 hours' ELSE interval '177999 years 11 months' END"),
    ];

    private void CreateTable(string table, int rows)
    {
        string cols = string.Join(", ", Columns.Select((t, i) => $"c{i} {t.SqlType}"));
        string names = string.Join(", ", Columns.Select((t, i) => $"c{i}"));
        string values = string.Join(", ", Columns.Select(t => $"CASE WHEN random() < 0.2 THEN NULL ELSE {t.Expr} END"));
        // rid: a NOT NULL column, so the schema shows a non-nullable field too.
        db.Execute($"""
            DROP TABLE IF EXISTS {table};
            CREATE TABLE {table} (rid bigserial NOT NULL, {cols});
            SELECT setseed(0.17);
            INSERT INTO {table} ({names}) SELECT {values} FROM generate_series(1, {rows});
            INSERT INTO {table} DEFAULT VALUES;
            VACUUM FREEZE {table};
            """);
    }

    [Fact]
    public void Every_type_from_heap_pages_reads_back_in_apache_arrow_value_for_value()
    {
        CreateTable("every_type", 1500);
        var heap = HeapTable.Read(db.Connection, "every_type");
        int[] attNums = [.. heap.Layout.Attributes.Select(a => a.AttNum)];
        var schema = ArrowSchema.FromLayout(heap.Layout, attNums);
        var decoder = new HeapPageDecoder(heap.Layout, attNums);
        var options = new ArrowIpcOptions { NumericNaNAsNull = true };

        string path = TempStream("every_type");
        int batches = 0;
        using (var writer = new ArrowStreamWriter(File.Create(path), schema, options))
        {
            // Three pages per batch: several RecordBatch messages in one stream.
            for (int first = 0; first < heap.Pages.Count; first += 3)
            {
                var batch = decoder.NewBatch(64);
                for (int b = first; b < Math.Min(first + 3, heap.Pages.Count); b++)
                    decoder.Decode(heap.Pages[b], heap.Visibility[b], (uint)b, batch, null);
                writer.WriteBatch(batch);
                batches++;
            }
            writer.Finish();
        }
        Assert.True(batches > 3, $"the table should span several batches, got {batches}");

        var js = ApacheArrowJs.Read(path);
        CheckSchema(heap.Layout, attNums, js);
        Assert.Equal(batches, js.Batches.Count);
        int rows = CheckValues("every_type", heap.Layout, attNums, js, nanAsNull: true, keep: null);
        Assert.Equal(1501, rows);
        CheckBufferAlignment(js, batches);
    }

    /// <summary>
    /// Every buffer of every record batch starts at a 64-byte multiple of its message body and lies inside it,
    /// as apache-arrow's own MessageReader reads the metadata (the IPC spec's alignment; the body itself is
    /// checked by Messages_are_framed_and_aligned_as_the_IPC_spec_asks).
    /// </summary>
    private static void CheckBufferAlignment(JsStream js, int batches)
    {
        Assert.Equal(batches, js.BufferRegions.Count);
        int buffers = 0;
        foreach (var message in js.BufferRegions)
        {
            Assert.Equal(0, message.BodyLength % 64);
            foreach (var region in message.Buffers)
            {
                Assert.True(region[0] % 64 == 0, $"buffer at body offset {region[0]} (length {region[1]}) is not 64-byte aligned");
                Assert.InRange(region[0] + region[1], 0, message.BodyLength);
                buffers++;
            }
        }
        Assert.True(buffers > batches * 20, $"expected the buffers of every column, read {buffers}");
    }

    [Fact]
    public void Selection_vector_and_column_subset_write_only_live_rows_in_order()
    {
        CreateTable("selected", 400);
        var heap = HeapTable.Read(db.Connection, "selected");
        int[] attNums = [14, 3, 11, 18, 24];
        var decoder = new HeapPageDecoder(heap.Layout, attNums);
        var batch = decoder.NewBatch(64);
        for (int b = 0; b < heap.Pages.Count; b++) decoder.Decode(heap.Pages[b], heap.Visibility[b], (uint)b, batch, null);
        batch.Selection = [.. Enumerable.Range(0, batch.Length).Where(i => i % 3 == 1)];
        batch.SelectedCount = batch.Selection.Length;

        string path = TempStream("selected");
        using (var writer = new ArrowStreamWriter(File.Create(path), ArrowSchema.FromLayout(heap.Layout, attNums)))
        {
            writer.WriteBatch(batch);
            writer.Finish();
        }
        var js = ApacheArrowJs.Read(path);
        CheckSchema(heap.Layout, attNums, js);
        int rows = CheckValues("selected", heap.Layout, attNums, js, nanAsNull: false, keep: i => i % 3 == 1);
        Assert.Equal(batch.SelectedCount, rows);
    }

    [Fact]
    public void A_stream_without_batches_carries_the_schema()
    {
        CreateTable("empty_stream", 1);
        var layout = HeapTable.ReadLayout(db.Connection, "empty_stream");
        int[] attNums = [.. layout.Attributes.Select(a => a.AttNum)];
        string path = TempStream("empty");
        using (var writer = new ArrowStreamWriter(File.Create(path), ArrowSchema.FromLayout(layout, attNums)))
            writer.Finish();
        var js = ApacheArrowJs.Read(path);
        CheckSchema(layout, attNums, js);
        // apache-arrow hands a schema-only stream back as one empty batch.
        Assert.All(js.Batches, b => Assert.Equal(0, b.Length));
        var messages = StreamFraming.Messages(File.ReadAllBytes(path));
        Assert.Single(messages);
        Assert.Equal(0, messages[0].BodyLength);
    }

    [Fact]
    public void Messages_are_framed_and_aligned_as_the_IPC_spec_asks()
    {
        CreateTable("framing", 300);
        var heap = HeapTable.Read(db.Connection, "framing");
        int[] attNums = [.. heap.Layout.Attributes.Select(a => a.AttNum)];
        var decoder = new HeapPageDecoder(heap.Layout, attNums);
        using var stream = new MemoryStream();
        using (var writer = new ArrowStreamWriter(stream, ArrowSchema.FromLayout(heap.Layout, attNums), new ArrowIpcOptions { NumericNaNAsNull = true }, leaveOpen: true))
        {
            for (int b = 0; b < heap.Pages.Count; b++)
            {
                var batch = decoder.NewBatch(64);
                decoder.Decode(heap.Pages[b], heap.Visibility[b], (uint)b, batch, null);
                writer.WriteBatch(batch);
            }
            writer.Finish();
            Assert.Equal(stream.Length, writer.BytesWritten);
        }
        var messages = StreamFraming.Messages(stream.ToArray());
        Assert.Equal(heap.Pages.Count + 1, messages.Count);
        foreach (var m in messages)
        {
            Assert.Equal(0, m.MetadataLength % 8);
            Assert.Equal(0, m.BodyStart % 64);
            Assert.Equal(0, m.BodyLength % 64);
        }
    }

    [Fact]
    public void Numeric_NaN_in_a_decimal_column_is_a_typed_error_by_default()
    {
        db.Execute("""
            DROP TABLE IF EXISTS nan_decimal;
            CREATE TABLE nan_decimal (n numeric(10,2));
            INSERT INTO nan_decimal VALUES (1.5), ('NaN'), (NULL);
            VACUUM FREEZE nan_decimal;
            """);
        var heap = HeapTable.Read(db.Connection, "nan_decimal");
        var decoder = new HeapPageDecoder(heap.Layout, [1]);
        var batch = decoder.NewBatch(8);
        decoder.Decode(heap.Pages[0], heap.Visibility[0], 0, batch, null);
        using var writer = new ArrowStreamWriter(new MemoryStream(), ArrowSchema.FromLayout(heap.Layout, [1]));
        var e = Assert.Throws<ArrowIpcException>(() => writer.WriteBatch(batch));
        Assert.Equal("22003", e.SqlState);
        Assert.Contains("column 0 \"n\" row 1", e.Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- checks

    private static string TempStream(string name) =>
        Path.Combine(Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "arrow-streams")).FullName, $"{name}.arrows");

    /// <summary>The Arrow type apache-arrow must report for each PostgreSQL type (docs/type-mapping.md).</summary>
    private static void CheckSchema(RelationLayout layout, int[] attNums, JsStream js)
    {
        Assert.Equal(attNums.Length, js.Fields.Count);
        for (int i = 0; i < attNums.Length; i++)
        {
            var att = layout.Attribute(attNums[i]);
            var f = js.Fields[i];
            string where = $"field {i} {att.Name} {att.Type}";
            Assert.True(att.Name == f.Name, $"{where}: name {f.Name}");
            Assert.True(f.Nullable != att.NotNull, $"{where}: nullable {f.Nullable}");
            Assert.True(f.Metadata[ArrowSchema.PgTypeKey] == att.Type.ToString(), $"{where}: metadata {f.Metadata[ArrowSchema.PgTypeKey]}");
            Assert.True(f.Metadata[ArrowSchema.PgTypmodKey] == att.Type.Typmod.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{where}: typmod metadata");
            var t = f.Type;
            string actual = t.Name switch
            {
                "Int" => $"Int{t.BitWidth}{(t.IsSigned == true ? "" : "u")}",
                "Float" => $"Float{(t.Precision == 1 ? 32 : t.Precision == 2 ? 64 : 16)}",
                "Decimal" => $"Decimal{t.BitWidth}({t.Precision},{t.Scale})",
                "Date" => $"Date{(t.Unit == 0 ? "Day" : "Millisecond")}",
                "Time" => $"Time{t.BitWidth}(unit {t.Unit})",
                "Timestamp" => $"Timestamp(unit {t.Unit}, {t.Timezone ?? "no zone"})",
                "Interval" => $"Interval(unit {t.Unit})",
                "FixedSizeBinary" => $"FixedSizeBinary({t.ByteWidth})",
                _ => t.Name,
            };
            string expected = att.Type.Oid switch
            {
                PgTypeOid.Bool => "Bool",
                PgTypeOid.Int2 => "Int16",
                PgTypeOid.Int4 => "Int32",
                PgTypeOid.Int8 => "Int64",
                PgTypeOid.Oid => "Int32u",
                PgTypeOid.Float4 => "Float32",
                PgTypeOid.Float8 => "Float64",
                PgTypeOid.Numeric when att.Type.NumericPrecision is { } p && att.Type.NumericScale is { } s && p <= 38 && s >= 0 && s <= p
                    => $"Decimal128({p},{s})",
                PgTypeOid.Numeric or PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Name => "Utf8",
                PgTypeOid.Bytea => "Binary",
                PgTypeOid.Uuid => "FixedSizeBinary(16)",
                PgTypeOid.Date => "DateDay",
                PgTypeOid.Time => "Time64(unit 2)",             // TimeUnit.MICROSECOND
                PgTypeOid.Timestamp => "Timestamp(unit 2, no zone)",
                PgTypeOid.Timestamptz => "Timestamp(unit 2, UTC)",
                PgTypeOid.Interval => "Interval(unit 2)",         // IntervalUnit.MONTH_DAY_NANO
                _ => throw new InvalidOperationException($"{where}: no expectation"),
            };
            Assert.True(expected == actual, $"{where}: apache-arrow reads {actual} ({t.Text}), expected {expected}");
        }
    }

    /// <summary>Compares every value apache-arrow read with PostgreSQL's, in ctid order; <paramref name="keep"/> picks the rows written.</summary>
    private int CheckValues(string table, RelationLayout layout, int[] attNums, JsStream js, bool nanAsNull, Func<int, bool>? keep)
    {
        var atts = attNums.Select(layout.Attribute).ToArray();
        var jsRows = js.Batches.SelectMany(b =>
        {
            Assert.All(b.Columns, c => Assert.Equal(b.Length, c.Values.Count));
            for (int c = 0; c < b.Columns.Count; c++)
                Assert.Equal(b.Columns[c].Values.Count(v => v is null), b.Columns[c].NullCount);
            return Enumerable.Range(0, b.Length).Select(r => b.Columns.Select(c => c.Values[r]).ToArray());
        }).ToList();

        string select = string.Join(", ", atts.Select(a => ExpectedArrowValue.SelectExpr(a.Type, $"\"{a.Name}\"")));
        using var cmd = new NpgsqlCommand($"SELECT ctid, {select} FROM {table} ORDER BY ctid", db.Connection);
        using var r = cmd.ExecuteReader();
        int pgRow = 0, row = 0;
        while (r.Read())
        {
            if (keep is not null && !keep(pgRow++)) continue;
            Assert.True(row < jsRows.Count, $"{table}: PostgreSQL has more rows than the {jsRows.Count} apache-arrow read");
            for (int c = 0; c < atts.Length; c++)
            {
                string? expected = ExpectedArrowValue.Read(atts[c].Type, r, c + 1, nanAsNull);
                string? actual = jsRows[row][c];
                if (expected != actual)
                    Assert.Fail($"{table} row {row} (ctid {r.GetValue(0)}), {atts[c].Name} {atts[c].Type}: PostgreSQL <{expected ?? "NULL"}>, apache-arrow <{actual ?? "NULL"}>");
            }
            row++;
        }
        Assert.Equal(row, jsRows.Count);
        return row;
    }
}
