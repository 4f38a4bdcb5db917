using BenchmarkDotNet.Attributes;
using PgFusion.Arrow;
using PgFusion.Arrow.Ipc;
using PgFusion.Types;

namespace PgFusion.Benchmarks;

/// <summary>
/// ArrowStreamWriter over a lineitem-shaped batch (65,536 rows: int4, int8, numeric(15,2), date,
/// char(1), varchar(44), timestamptz; 10 % nulls in the nullable columns), written to a reused
/// MemoryStream. Variants: every row, and a selection vector keeping every other row.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ArrowIpcBenchmarks
{
    private const int Rows = 65_536;
    private static readonly (string Name, PgType Type, bool NotNull)[] Columns =
    [
        ("l_orderkey", PgType.Int4, true),
        ("l_partkey", PgType.Int8, true),
        ("l_extendedprice", new PgType(PgTypeOid.Numeric, ((15 << 16) | 2) + 4), false),
        ("l_shipdate", PgType.Date, false),
        ("l_returnflag", new PgType(PgTypeOid.Bpchar, 1 + 4), false),
        ("l_comment", new PgType(PgTypeOid.Varchar, 44 + 4), false),
        ("l_commit_ts", new PgType(PgTypeOid.Timestamptz), false),
    ];

    private RecordBatch _all = null!;
    private RecordBatch _half = null!;
    private ArrowSchema _schema = null!;
    private readonly MemoryStream _stream = new();
    private ArrowStreamWriter _steady = null!;

    [GlobalSetup]
    public void Setup()
    {
        _schema = ArrowSchema.FromPostgres(Columns);
        _all = Build();
        _half = Build();
        _half.Selection = [.. Enumerable.Range(0, Rows).Where(i => i % 2 == 0)];
        _half.SelectedCount = _half.Selection.Length;
        _steady = new ArrowStreamWriter(Stream.Null, _schema);
    }

    [GlobalCleanup]
    public void Cleanup() => _steady.Dispose();

    private static RecordBatch Build()
    {
        var random = new Random(42);
        var columns = Columns.Select(c => PgArrowMapping.CreateColumn(c.Type, Rows)).ToArray();
        ((PrimitiveColumn<int>)columns[0]).Values.AsSpan(0, Rows).Fill(7);
        for (int i = 0; i < Rows; i++)
        {
            ((PrimitiveColumn<long>)columns[1]).Values[i] = random.NextInt64();
            ((DecimalColumn)columns[2]).Values[i] = random.NextInt64(1, 10_000_000);
            ((PrimitiveColumn<int>)columns[3]).Values[i] = random.Next(-3000, 3000);
            ((VarBinaryColumn)columns[4]).Append("ANR"u8.Slice(random.Next(3), 1));
            ((VarBinaryColumn)columns[5]).Append("carefully final deposits sleep quickly"u8[..random.Next(10, 38)]);
            ((PrimitiveColumn<long>)columns[6]).Values[i] = random.NextInt64(0, 800_000_000_000_000);
        }
        for (int k = 0; k < columns.Length; k++)
        {
            columns[k].Length = Rows;
            if (Columns[k].NotNull) continue;
            var validity = columns[k].EnsureValidity(Rows);
            for (int i = 0; i < Rows; i += 10) validity.SetNull(i);
        }
        return new RecordBatch(columns, Rows);
    }

    private long Write(RecordBatch batch)
    {
        _stream.Position = 0;
        using var writer = new ArrowStreamWriter(_stream, _schema, leaveOpen: true);
        writer.WriteBatch(batch);
        writer.Finish();
        return writer.BytesWritten;
    }

    /// <summary>A whole stream per call: schema, one batch, end marker, into a MemoryStream (the writer's buffers are new each time).</summary>
    [Benchmark(Baseline = true)]
    public long StreamPerBatch() => Write(_all);

    /// <summary>Steady state: one long-lived writer, one more RecordBatch message per call, output discarded.</summary>
    [Benchmark]
    public long NextBatch()
    {
        _steady.WriteBatch(_all);
        return _steady.BytesWritten;
    }

    [Benchmark]
    public long NextBatchEveryOtherRowBySelection()
    {
        _steady.WriteBatch(_half);
        return _steady.BytesWritten;
    }
}
