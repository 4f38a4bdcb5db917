namespace PgFusion.TestSupport.Slt;

/// <summary>What running a query produced: rows in PostgreSQL's text output, or an error.</summary>
public abstract record QueryOutcome;

/// <summary>
/// Rows exactly as PostgreSQL's output functions print them (the text result format), so numeric
/// scale, float digits and date styles compare as the user would see them in psql; null is SQL NULL.
/// </summary>
public sealed record QueryRows(IReadOnlyList<ResultColumn> Columns, IReadOnlyList<string?[]> Rows) : QueryOutcome;

/// <summary>An ERROR from the server.</summary>
public sealed record QueryError(string SqlState, string Message) : QueryOutcome
{
    public override string ToString() => $"ERROR {SqlState}: {Message}";
}
