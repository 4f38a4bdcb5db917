using System.Diagnostics;
using Npgsql;

namespace PgFusion.Cli.Demo;

/// <summary>A query's full result in PostgreSQL's text output (what psql shows), and how long it took.</summary>
public sealed record TextResult(IReadOnlyList<string> Columns, IReadOnlyList<string?[]> Rows, TimeSpan Elapsed)
{
    public static TextResult Run(NpgsqlConnection conn, string sql)
    {
        var clock = Stopwatch.StartNew();
        // Text result format: the comparison sees exactly what PostgreSQL's output functions print.
        using var cmd = new NpgsqlCommand(sql, conn) { AllResultTypesAreUnknown = true, CommandTimeout = 0 };
        using var reader = cmd.ExecuteReader();
        var columns = Enumerable.Range(0, reader.FieldCount).Select(i => $"{reader.GetName(i)}:{reader.GetDataTypeName(i)}").ToList();
        var rows = new List<string?[]>();
        while (reader.Read())
        {
            var row = new string?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
            rows.Add(row);
        }
        return new TextResult(columns, rows, clock.Elapsed);
    }

    /// <summary>Same columns and the same rows, in order when <paramref name="ordered"/>, else as multisets.</summary>
    public bool SameAs(TextResult other, bool ordered)
    {
        if (!Columns.SequenceEqual(other.Columns) || Rows.Count != other.Rows.Count) return false;
        var a = Keys(Rows);
        var b = Keys(other.Rows);
        if (!ordered)
        {
            a.Sort(StringComparer.Ordinal);
            b.Sort(StringComparer.Ordinal);
        }
        return a.SequenceEqual(b, StringComparer.Ordinal);
    }

    // Control characters \u0001/\u0002 do not occur in the demo data, so the key is unambiguous (NULL vs 'NULL' too).
    private static List<string> Keys(IReadOnlyList<string?[]> rows) =>
        rows.Select(r => string.Join('\u0001', r.Select(v => v ?? "\u0002"))).ToList();
}
