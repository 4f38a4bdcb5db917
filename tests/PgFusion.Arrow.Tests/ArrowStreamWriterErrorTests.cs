using PgFusion.Arrow.Ipc;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Arrow.Tests;

/// <summary>Values an Arrow type cannot hold, and batches that do not match the schema: typed errors naming column and row.</summary>
public sealed class ArrowStreamWriterErrorTests
{
    private static RecordBatch OneColumn(Column column, int rows)
    {
        column.Length = rows;
        return new RecordBatch([column], rows);
    }

    [Fact]
    public void Timestamps_past_int64_microseconds_from_1970_raise_22008()
    {
        // PostgreSQL accepts timestamps up to 294276 AD; from 1970 the last ~29 years overflow int64.
        var ts = (PrimitiveColumn<long>)PgArrowMapping.CreateColumn(new PgType(PgTypeOid.Timestamp), 4);
        ts.Values[0] = 0;
        ts.Values[1] = long.MaxValue - PgEpoch.UnixEpochMicros + 5;
        var schema = ArrowSchema.FromPostgres([("ts", new PgType(PgTypeOid.Timestamp), false)]);
        using var writer = new ArrowStreamWriter(new MemoryStream(), schema);
        var e = Assert.Throws<ArrowIpcException>(() => writer.WriteBatch(OneColumn(ts, 2)));
        Assert.Equal("22008", e.SqlState);
        Assert.Contains("column 0 \"ts\" row 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Interval_time_parts_past_int64_nanoseconds_raise_22008()
    {
        var iv = (PrimitiveColumn<PgInterval>)PgArrowMapping.CreateColumn(new PgType(PgTypeOid.Interval), 4);
        iv.Values[0] = new PgInterval(long.MaxValue / 1000 + 1, 0, 0);
        var schema = ArrowSchema.FromPostgres([("iv", new PgType(PgTypeOid.Interval), false)]);
        using var writer = new ArrowStreamWriter(new MemoryStream(), schema);
        var e = Assert.Throws<ArrowIpcException>(() => writer.WriteBatch(OneColumn(iv, 1)));
        Assert.Equal("22008", e.SqlState);
    }

    [Fact]
    public void A_null_row_holding_an_out_of_range_value_is_not_an_error()
    {
        var ts = (PrimitiveColumn<long>)PgArrowMapping.CreateColumn(new PgType(PgTypeOid.Timestamp), 4);
        ts.Values[0] = long.MaxValue - 1;
        ts.Length = 1;
        ts.EnsureValidity(4).SetNull(0);
        var schema = ArrowSchema.FromPostgres([("ts", new PgType(PgTypeOid.Timestamp), false)]);
        using var stream = new MemoryStream();
        using var writer = new ArrowStreamWriter(stream, schema, leaveOpen: true);
        writer.WriteBatch(new RecordBatch([ts], 1));
        writer.Finish();
        Assert.Equal(2, Support.StreamFraming.Messages(stream.ToArray()).Count);
    }

    [Fact]
    public void A_column_that_does_not_match_its_field_is_rejected()
    {
        var schema = ArrowSchema.FromPostgres([("n", new PgType(PgTypeOid.Int4), false)]);
        using var writer = new ArrowStreamWriter(new MemoryStream(), schema);
        var text = PgArrowMapping.CreateColumn(new PgType(PgTypeOid.Text), 4);
        Assert.Throws<ArrowIpcException>(() => writer.WriteBatch(new RecordBatch([text], 0)));
        Assert.Throws<ArrowIpcException>(() => writer.WriteBatch(new RecordBatch([], 0)));
    }
}
