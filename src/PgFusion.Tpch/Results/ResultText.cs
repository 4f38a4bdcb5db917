using System.Text;
using Npgsql;

namespace PgFusion.Tpch.Results;

/// <summary>
/// A query's result as CSV text, every value in PostgreSQL's own text output (the command asks for
/// text results, so numerics keep their exact scale and dates their ISO form). Quoting follows
/// PostgreSQL's CSV output: NULL is empty, the empty string and values with , " CR LF are quoted.
/// Two results agree when their texts are equal, row order included.
/// </summary>
public static class ResultText
{
    public static string Run(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn) { AllResultTypesAreUnknown = true };
        using var reader = cmd.ExecuteReader();
        var text = new StringBuilder();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (i > 0)
                text.Append(',');
            Append(text, reader.GetName(i));
        }
        text.Append('\n');
        while (reader.Read())
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                if (i > 0)
                    text.Append(',');
                if (!reader.IsDBNull(i))
                    Append(text, reader.GetString(i));
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    public static int RowCount(string csv) => csv.Count(c => c == '\n') - 1;

    /// <summary>The first line where two results differ, for error messages.</summary>
    public static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var el = i < e.Length ? e[i] : "<missing>";
            var al = i < a.Length ? a[i] : "<missing>";
            if (el != al)
                return $"line {i + 1}: expected '{el}', got '{al}' ({e.Length - 2} vs {a.Length - 2} rows)";
        }
        return "identical";
    }

    private static void Append(StringBuilder text, string value)
    {
        if (value.Length == 0 || value.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            text.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        else
            text.Append(value);
    }
}
