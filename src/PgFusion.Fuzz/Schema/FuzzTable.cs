using System.Text;

namespace PgFusion.Fuzz.Schema;

/// <summary>A generated table with its rows, each value a SQL literal (`NULL`, `'NaN'::float8`, `42`).</summary>
public sealed record FuzzTable(string Name, IReadOnlyList<FuzzColumn> Columns, IReadOnlyList<string[]> Rows)
{
    public string CreateStatement => $"CREATE TABLE {Name} ({string.Join(", ", Columns.Select(c => c.Ddl))})";

    /// <summary>INSERT statements of at most <paramref name="rowsPerStatement"/> rows each.</summary>
    public IEnumerable<string> InsertStatements(int rowsPerStatement = 500)
    {
        for (var start = 0; start < Rows.Count; start += rowsPerStatement)
        {
            var sb = new StringBuilder();
            sb.Append("INSERT INTO ").Append(Name).Append(" VALUES ");
            var end = Math.Min(Rows.Count, start + rowsPerStatement);
            for (var i = start; i < end; i++)
            {
                if (i > start) sb.Append(", ");
                sb.Append('(').Append(string.Join(", ", Rows[i])).Append(')');
            }
            yield return sb.ToString();
        }
    }

    public FuzzTable WithRows(IReadOnlyList<string[]> rows) => this with { Rows = rows };
}
