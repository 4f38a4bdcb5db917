namespace PgFusion.Fuzz.Running;

/// <summary>What one run of a query produced.</summary>
public abstract record Outcome;

/// <summary>Rows in PostgreSQL's text output format (null = SQL NULL), with column names and type OIDs.</summary>
public sealed record RowsOutcome(IReadOnlyList<(string Name, uint TypeOid)> Columns, IReadOnlyList<string?[]> Rows) : Outcome
{
    public override string ToString() => $"{Rows.Count} rows";
}

/// <summary>An ERROR from the server.</summary>
public sealed record ErrorOutcome(string SqlState, string Message) : Outcome
{
    public override string ToString() => $"ERROR {SqlState}: {Message}";
}

/// <summary>The connection broke (a backend or worker crash): always a failure.</summary>
public sealed record LostOutcome(string Message) : Outcome
{
    public override string ToString() => $"CONNECTION LOST: {Message}";
}
