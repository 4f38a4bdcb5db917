using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Npgsql;
using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Output;
using PgFusion.Codegen.Tests.Support;
using PgFusion.TestSupport;
using PgFusion.Types;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// The MinimalTuple encoder against what PostgreSQL itself stores: heap_fill_tuple builds heap
/// and minimal tuples' data areas the same way, so the data bytes (pageinspect's t_data), the
/// null bitmap and the HASNULL / HASVARWIDTH bits must match exactly.
/// </summary>
[Collection(CodegenCollection.Name)]
public sealed class EncoderTests(CodegenFixture fixture, ITestOutputHelper output)
{
    private static List<(byte[] Data, int Infomask, string? Bits)> HeapTuples(NpgsqlConnection conn, string table)
    {
        PgServer.Execute(conn, "CREATE EXTENSION IF NOT EXISTS pageinspect");
        long pages = (long)PgServer.Scalar(conn, $"SELECT pg_relation_size('{table}') / 8192")!;
        var list = new List<(byte[], int, string?)>();
        for (long p = 0; p < pages; p++)
        {
            using var cmd = new NpgsqlCommand($"SELECT t_data, t_infomask, t_bits FROM heap_page_items(get_raw_page('{table}', {p})) WHERE lp_flags = 1 ORDER BY lp", conn);
            using var r = cmd.ExecuteReader();
            while (r.Read()) list.Add(((byte[])r.GetValue(0), r.GetInt32(1), r.IsDBNull(2) ? null : r.GetString(2)));
        }
        return list;
    }

    private static void AssertSameTuple(ReadOnlySpan<byte> minimal, (byte[] Data, int Infomask, string? Bits) heap, int natts, string context)
    {
        int hoff = minimal[14] - 8;
        Assert.True(heap.Data.AsSpan().SequenceEqual(minimal[hoff..]), $"{context}: data differs\n pg: {Convert.ToHexString(heap.Data)}\n us: {Convert.ToHexString(minimal[hoff..])}");
        int infomask = minimal[12] | (minimal[13] << 8);
        Assert.Equal(heap.Infomask & 0x3, infomask & 0x3);
        if (heap.Bits is not null)
        {
            var bits = new char[natts];
            for (int a = 0; a < natts; a++) bits[a] = (minimal[15 + (a >> 3)] & (1 << (a & 7))) != 0 ? '1' : '0';
            Assert.Equal(heap.Bits[..natts], new string(bits));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    [InlineData(100)]
    public void Rows_of_every_type_encode_as_postgres_stores_them(int density)
    {
        // COPY may place a later row on an earlier page, so match heap tuples by id (column 1, int4 at offset 0).
        var heap = HeapTuples(fixture.Connection, CodegenFixture.TableName(density)).ToDictionary(h => BitConverter.ToInt32(h.Data, 0));
        var batches = fixture.Batches(density, 1024);
        var encoder = new MinimalTupleEncoder(TestTable.Columns.Select(c => c.Type).ToArray());
        int row = 0;
        foreach (var b in batches)
        {
            for (int r = 0; r < b.Length; r++, row++)
                AssertSameTuple(encoder.Encode(b.Columns, r), heap[row], TestTable.Columns.Length, $"row {row}");
        }
        Assert.Equal(heap.Count, row);
    }

    private static Gen<PgNumeric> NumericGen()
    {
        var finite = from digits in Gen.Choose(1, 60)
                     from scale in Gen.Choose(0, 70)
                     from neg in Gen.Elements(false, true)
                     from seed in Gen.Choose(0, int.MaxValue)
                     from zeros in Gen.Choose(0, 12)
                     select Make(digits, scale, neg, seed, zeros);
        return Gen.Frequency(
            (20, finite),
            (1, Gen.Constant(PgNumeric.NaN)),
            (1, Gen.Constant(PgNumeric.PositiveInfinity)),
            (1, Gen.Constant(PgNumeric.NegativeInfinity)),
            (2, Gen.Choose(0, 20).Select(s => new PgNumeric(0, (short)s))));
    }

    private static PgNumeric Make(int digits, int scale, bool neg, int seed, int zeros)
    {
        var rnd = new Random(seed);
        var sb = new System.Text.StringBuilder();
        sb.Append((char)('1' + rnd.Next(9)));
        for (int i = 1; i < digits; i++) sb.Append((char)('0' + (rnd.Next(3) == 0 ? 0 : rnd.Next(10))));
        sb.Append('0', zeros);
        var v = BigInteger.Parse(sb.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        if (neg) v = -v;
        return TestTable.ParseNumeric(new PgNumeric(0, (short)scale, NumericKind.Finite, v).ToString());
    }

    [Fact]
    public void Numeric_canonical_form_matches_postgres_property()
    {
        var conn = fixture.Connection;
        int round = 0;
        var prop = Prop.ForAll(Arb.From(Gen.ListOf(NumericGen()).Select(l => l.ToArray())), values =>
        {
            if (values.Length == 0) return true;
            string table = "numenc";
            PgServer.Execute(conn, $"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (v numeric)");
            using (var w = conn.BeginTextImport($"COPY {table} FROM STDIN"))
                foreach (var v in values) w.Write(v.ToString() + "\n");
            var heap = HeapTuples(conn, table);
            var col = new DecimalColumn(values.Length, 38, -1);
            for (int i = 0; i < values.Length; i++)
            {
                KernelColumns.SetNumeric(col, i, values[i]);
                col.Length = i + 1;
            }
            var encoder = new MinimalTupleEncoder([PgType.Numeric]);
            for (int i = 0; i < values.Length; i++)
            {
                var t = encoder.Encode([col], i);
                AssertSameTuple(t, heap[i], 1, $"value {values[i]}");
                var back = MinimalTupleReader.Read(t, [PgType.Numeric])[0]!;
                Assert.Equal(values[i].ToString(), back.ToString());
            }
            round++;
            return true;
        });
        var config = Config.QuickThrowOnFailure.WithMaxTest(40);
        output.WriteLine($"FsCheck replay seed printed on failure; config {config.MaxTest} runs");
        Check.One(config, prop);
        output.WriteLine($"{round} rounds checked");
    }
}
