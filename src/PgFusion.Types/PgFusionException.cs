namespace PgFusion.Types;

/// <summary>
/// An error that reaches the client as a PostgreSQL ERROR with this SQLSTATE and message
/// (e.g. 22003 "integer out of range", 22012 "division by zero", XX001 for a corrupt page).
/// </summary>
public class PgFusionException : Exception
{
    public PgFusionException(string sqlState, string message, string? detail = null, Exception? inner = null)
        : base(message, inner)
    {
        SqlState = sqlState;
        Detail = detail;
    }

    public PgFusionException()
        : this("XX000", "internal error")
    {
    }

    public PgFusionException(string message)
        : this("XX000", message)
    {
    }

    public PgFusionException(string message, Exception inner)
        : this("XX000", message, null, inner)
    {
    }

    /// <summary>Five-character SQLSTATE.</summary>
    public string SqlState { get; }

    public string? Detail { get; }
}
