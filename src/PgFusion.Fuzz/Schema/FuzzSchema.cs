namespace PgFusion.Fuzz.Schema;

/// <summary>The tables of one generated case.</summary>
public sealed record FuzzSchema(IReadOnlyList<FuzzTable> Tables)
{
    /// <summary>Every statement that creates and fills the schema, in order.</summary>
    public IEnumerable<string> Statements()
    {
        foreach (var t in Tables)
        {
            yield return t.CreateStatement;
            foreach (var insert in t.InsertStatements()) yield return insert;
        }
        // Fresh statistics, so the plans (and pg_fusion's choices) do not depend on autovacuum timing.
        foreach (var t in Tables) yield return $"ANALYZE {t.Name}";
    }

    public FuzzTable Table(string name) => Tables.First(t => t.Name == name);

    public int TotalRows => Tables.Sum(t => t.Rows.Count);

    /// <summary>The DDL only (CREATE TABLE lines), for reports.</summary>
    public string Ddl => string.Join(";\n", Tables.Select(t => $"{t.CreateStatement} -- {t.Rows.Count} rows")) + ";";
}
