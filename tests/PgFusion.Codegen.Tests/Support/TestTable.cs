using System.Globalization;
using System.Text;
using Npgsql;
using PgFusion.Arrow;
using PgFusion.Planner.Physical;
using PgFusion.TestSupport;
using PgFusion.Types;

namespace PgFusion.Codegen.Tests.Support;

/// <summary>
/// A table of random rows held both in PostgreSQL (the oracle) and in memory, served to compiled
/// queries as batches of any size. Values are generated as PostgreSQL text so both sides read the
/// very same data.
/// </summary>
public sealed class TestTable
{
    public static readonly (string Name, PgType Type, string Sql)[] Columns =
    [
        ("id", PgType.Int4, "int4"),
        ("i2", PgType.Int2, "int2"),
        ("i4", PgType.Int4, "int4"),
        ("i8", PgType.Int8, "int8"),
        ("f4", PgType.Float4, "float4"),
        ("f8", PgType.Float8, "float8"),
        ("n", PgType.Numeric, "numeric"),
        ("n2", new PgType(PgTypeOid.Numeric, ((15 << 16) | 2) + 4), "numeric(15,2)"),
        ("s", PgType.Text, "text"),
        ("v", new PgType(PgTypeOid.Varchar, 14), "varchar(10)"),
        ("bp", new PgType(PgTypeOid.Bpchar, 9), "char(5)"),
        ("d", PgType.Date, "date"),
        ("ts", PgType.Timestamp, "timestamp"),
        ("b", PgType.Bool, "bool"),
    ];

    public TestTable(string name, string[]?[] rows)
    {
        Name = name;
        Rows = rows;
    }

    public string Name { get; }

    /// <summary>Each row: one text value per column (null = NULL).</summary>
    public string[]?[] Rows { get; }

    public static int Index(string column) => Array.FindIndex(Columns, c => c.Name == column);

    public static PgType TypeOf(string column) => Columns[Index(column)].Type;

    public static string[]?[] Generate(int count, double nullDensity, int seed)
    {
        var rnd = new Random(seed);
        var rows = new string[]?[count];
        string[] words = ["apple", "Banana", "cherry", "date", "élan", "fig", "grape", "a%b", "x_y", "", "ZEBRA", "apple "];
        for (int r = 0; r < count; r++)
        {
            var row = new string[Columns.Length];
            row[0] = r.ToString(CultureInfo.InvariantCulture);
            for (int c = 1; c < Columns.Length; c++)
            {
                if (rnd.NextDouble() < nullDensity) continue;
                row[c] = Columns[c].Name switch
                {
                    "i2" => rnd.Next(-300, 300).ToString(CultureInfo.InvariantCulture),
                    "i4" => (rnd.Next(10) == 0 ? rnd.Next(int.MinValue, int.MaxValue) : rnd.Next(-1000, 1000)).ToString(CultureInfo.InvariantCulture),
                    "i8" => (rnd.NextInt64(-1_000_000_000_000, 1_000_000_000_000)).ToString(CultureInfo.InvariantCulture),
                    "f4" => ((float)Math.Round(rnd.NextDouble() * 200 - 100, 2)).ToString("R", CultureInfo.InvariantCulture),
                    "f8" => rnd.Next(20) switch
                    {
                        0 => "NaN",
                        1 => "Infinity",
                        2 => "-0",
                        _ => (rnd.NextDouble() * 2000 - 1000).ToString("R", CultureInfo.InvariantCulture),
                    },
                    "n" => rnd.Next(25) switch
                    {
                        0 => "NaN",
                        1 => "Infinity",
                        2 => "-Infinity",
                        _ => RandomNumeric(rnd),
                    },
                    "n2" => (rnd.NextInt64(-10_000_000, 10_000_000) / 100m).ToString("0.00", CultureInfo.InvariantCulture),
                    "s" => words[rnd.Next(words.Length)] + (rnd.Next(3) == 0 ? rnd.Next(100).ToString(CultureInfo.InvariantCulture) : ""),
                    "v" => words[rnd.Next(words.Length)],
                    "bp" => words[rnd.Next(words.Length)] is var w && Encoding.UTF8.GetByteCount(w) <= 5 ? w : w[..4],
                    "d" => new DateOnly(1990, 1, 1).AddDays(rnd.Next(0, 15000)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    "ts" => new DateTime(1990, 1, 1).AddSeconds(rnd.NextInt64(0, 1_000_000_000)).AddTicks(rnd.Next(2) == 0 ? 0 : rnd.Next(1_000_000) * 10L).ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
                    "b" => rnd.Next(2) == 0 ? "true" : "false",
                    _ => throw new InvalidOperationException(),
                };
            }
            rows[r] = row!;
        }
        return rows;
    }

    private static string RandomNumeric(Random rnd)
    {
        int scale = rnd.Next(0, 8);
        long unscaled = rnd.Next(4) == 0 ? rnd.NextInt64(-1_000_000_000_000_000, 1_000_000_000_000_000) : rnd.NextInt64(-100000, 100000);
        return new PgNumeric(unscaled, (short)scale).ToString();
    }

    /// <summary>Creates the table in <paramref name="connection"/>'s database and loads the rows.</summary>
    public void Load(NpgsqlConnection connection)
    {
        PgServer.Execute(connection, $"DROP TABLE IF EXISTS {Name}");
        PgServer.Execute(connection, $"CREATE TABLE {Name} ({string.Join(", ", Columns.Select(c => c.Name + " " + c.Sql))})");
        using (var writer = connection.BeginTextImport($"COPY {Name} FROM STDIN"))
        {
            foreach (var row in Rows) writer.Write(string.Join('\t', row!.Select(v => v ?? "\\N")) + "\n");
        }
    }

    public static PhysicalScan Scan(string table)
    {
        var attrs = Columns.Select((c, i) => new AttributeLayout(i + 1, c.Name, c.Type, 0, false, 'i', false, false, false, null)).ToArray();
        var relation = new RelationLayout(1, table, attrs, 1, 1);
        return new PhysicalScan(0, 1, relation, Enumerable.Range(1, Columns.Length).ToArray(),
            Columns.Select(c => new OutputColumn(c.Name, c.Type)).ToArray(), 1000);
    }

    /// <summary>The rows as batches of <paramref name="batchSize"/>, columns built with PgArrowMapping.</summary>
    public List<RecordBatch> Batches(int batchSize, NpgsqlConnection connection)
    {
        // Parse the text values through PostgreSQL's own output of internal forms, so the batches hold what the heap holds.
        var internalRows = InternalValues(connection);
        var batches = new List<RecordBatch>();
        for (int start = 0; start < internalRows.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, internalRows.Count - start);
            var cols = Columns.Select(c => PgArrowMapping.CreateColumn(c.Type, n)).ToArray();
            for (int c = 0; c < cols.Length; c++)
            {
                var col = cols[c];
                bool anyNull = false;
                for (int r = 0; r < n; r++)
                {
                    object? v = internalRows[start + r][c];
                    if (v is null)
                    {
                        anyNull = true;
                        col.EnsureValidity(n).SetNull(r);
                    }
                    else
                    {
                        col.Validity?.SetValid(r);
                    }
                    Set(col, r, v, Columns[c].Type);
                    if (col is not VarBinaryColumn) col.Length = r + 1;
                }
                if (!anyNull) col.Validity = null;
            }
            batches.Add(new RecordBatch(cols, n));
        }
        return batches;
    }

    private static void Set(Column col, int r, object? v, PgType type)
    {
        switch (col)
        {
            case BooleanColumn b: b.Set(r, v is true); break;
            case PrimitiveColumn<short> p: p.Values[r] = v is null ? (short)0 : (short)v; break;
            case PrimitiveColumn<int> p: p.Values[r] = v is null ? 0 : (int)v; break;
            case PrimitiveColumn<long> p: p.Values[r] = v is null ? 0 : (long)v; break;
            case PrimitiveColumn<float> p: p.Values[r] = v is null ? 0 : (float)v; break;
            case PrimitiveColumn<double> p: p.Values[r] = v is null ? 0 : (double)v; break;
            case DecimalColumn d:
                if (v is PgNumeric num) Kernels.KernelColumns.SetNumeric(d, r, num);
                break;
            case VarBinaryColumn vb: vb.Append(v is null ? [] : (byte[])v); break;
            default: throw new NotSupportedException(type.ToString());
        }
    }

    /// <summary>Values as the columns hold them: ints, floats, PgNumeric, UTF-8 bytes, days / µs from 2000-01-01.</summary>
    private List<object?[]> InternalValues(NpgsqlConnection connection)
    {
        var list = new List<object?[]>();
        string select = string.Join(", ", Columns.Select(c => c.Type.Oid switch
        {
            PgTypeOid.Date => $"({c.Name} - date '2000-01-01')",
            PgTypeOid.Timestamp => $"(extract(epoch from {c.Name} - timestamp '2000-01-01') * 1000000)::int8",
            PgTypeOid.Numeric => $"{c.Name}::text",
            PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar => $"convert_to({c.Name}::text || '', 'UTF8'), octet_length({c.Name})",
            _ => c.Name,
        }));
        using var cmd = new NpgsqlCommand($"SELECT {select} FROM {Name} ORDER BY id", connection);
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var row = new object?[Columns.Length];
            int f = 0;
            for (int c = 0; c < Columns.Length; c++)
            {
                var t = Columns[c].Type;
                if (reader.IsDBNull(f))
                {
                    row[c] = null;
                    f += t.Oid is PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar ? 2 : 1;
                    continue;
                }
                switch (t.Oid)
                {
                    case PgTypeOid.Numeric: row[c] = ParseNumeric(reader.GetString(f)); f++; break;
                    case PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar:
                    {
                        var bytes = (byte[])reader.GetValue(f);
                        // ::text strips bpchar padding; put the stored padding back.
                        int stored = reader.GetInt32(f + 1);
                        if (bytes.Length < stored) bytes = [.. bytes, .. Enumerable.Repeat((byte)' ', stored - bytes.Length)];
                        row[c] = bytes;
                        f += 2;
                        break;
                    }
                    default: row[c] = reader.GetValue(f); f++; break;
                }
            }
            list.Add(row);
        }
        return list;
    }

    public static PgNumeric ParseNumeric(string s)
    {
        switch (s)
        {
            case "NaN": return PgNumeric.NaN;
            case "Infinity": return PgNumeric.PositiveInfinity;
            case "-Infinity": return PgNumeric.NegativeInfinity;
        }
        int dot = s.IndexOf('.', StringComparison.Ordinal);
        int scale = dot < 0 ? 0 : s.Length - dot - 1;
        var big = System.Numerics.BigInteger.Parse(s.Replace(".", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        return big >= (System.Numerics.BigInteger)Int128.MinValue && big <= (System.Numerics.BigInteger)Int128.MaxValue
            ? new PgNumeric((Int128)big, (short)scale)
            : new PgNumeric(0, (short)scale, NumericKind.Finite, big);
    }
}
