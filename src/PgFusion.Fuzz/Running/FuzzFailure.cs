using System.Globalization;
using System.Text;
using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Running;

/// <summary>A mismatch, shrunk: enough to replay it (seed and case) or to paste it as a regression `.slt`.</summary>
public sealed record FuzzFailure(
    string Origin, FuzzSchema Schema, FuzzQuery Query, string OriginalSql, Verdict Verdict, Outcome Off, string Plan)
{
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"MISMATCH ({Origin})");
        sb.AppendLine("-- shrunk query:");
        sb.AppendLine(Query.Sql + ";");
        sb.AppendLine("-- " + Verdict.Detail?.Replace("\n", "\n-- ", StringComparison.Ordinal));
        sb.AppendLine("-- schema (shrunk data):");
        sb.AppendLine(Schema.Ddl);
        sb.AppendLine("-- original query:");
        sb.AppendLine(OriginalSql + ";");
        sb.AppendLine("-- plan with pg_fusion on:");
        sb.AppendLine("-- " + Plan.Replace("\n", "\n-- ", StringComparison.Ordinal));
        sb.AppendLine("-- as a regression .slt:");
        sb.Append(ToSlt());
        return sb.ToString();
    }

    /// <summary>The shrunk case as an `.slt` file for tests/sql/regressions/.</summary>
    public string ToSlt()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# Found by the property tests ({Origin}).");
        foreach (var line in (Verdict.Detail ?? "").Split('\n')) sb.AppendLine("# " + line);
        sb.AppendLine();
        foreach (var statement in Schema.Statements().Where(s => !s.StartsWith("ANALYZE", StringComparison.Ordinal)))
        {
            sb.AppendLine("statement ok");
            sb.AppendLine(statement);
            sb.AppendLine();
        }
        var header = Off switch
        {
            ErrorOutcome e => $"query error {e.SqlState} fuzz",
            RowsOutcome r => $"query {string.Concat(r.Columns.Select(c => TypeLetter(c.TypeOid)))} {(Query.Ordered ? "nosort" : "rowsort")} fuzz{(Tolerance(r) is > 0 and var t ? " tolerance " + t.ToString("R", CultureInfo.InvariantCulture) : "")}",
            _ => "query ? rowsort fuzz",
        };
        sb.AppendLine(header);
        sb.AppendLine(Query.Sql);
        return sb.ToString();
    }

    /// <summary>One tolerance per query in an .slt (it applies to every float column there): the loosest column's, 0 when all are exact.</summary>
    private double Tolerance(RowsOutcome r) => OutcomeComparer.ColumnTolerances(Query, r.Columns).DefaultIfEmpty(0).Max();

    private static char TypeLetter(uint oid) => oid switch
    {
        20 or 21 or 23 or 26 => 'I',
        700 or 701 => 'R',
        1700 => 'N',
        25 or 1043 or 1042 or 19 => 'T',
        16 => 'B',
        1082 or 1083 or 1114 or 1184 or 1186 => 'D',
        _ => '?',
    };

    public static FuzzSchema WithRows(FuzzSchema schema, string table, IReadOnlyList<string[]> rows) =>
        new(schema.Tables.Select(t => t.Name == table ? t.WithRows(rows) : t).ToArray());

    public static FuzzSchema Without(FuzzSchema schema, FuzzTable table) => new(schema.Tables.Where(t => t != table).ToArray());
}
