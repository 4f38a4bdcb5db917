using PgFusion.Types;

namespace PgFusion.Planner.Json;

/// <summary>
/// The Query JSON is malformed, truncated, of another version, or lacks a field the planner needs.
/// <see cref="JsonPath"/> names the place (e.g. <c>$.query.targetList[2].expr</c>). This is a bug
/// in the producer, not an unsupported query: it reaches the backend as an ERROR (SQLSTATE XX000).
/// </summary>
public sealed class QueryJsonException : PgFusionException
{
    public QueryJsonException(string jsonPath, string message, Exception? inner = null)
        : base("XX000", $"invalid Query JSON at {jsonPath}: {message}", null, inner)
    {
        JsonPath = jsonPath;
        Reason = message;
    }

    public QueryJsonException()
        : this("$", "invalid Query JSON")
    {
    }

    public QueryJsonException(string message)
        : this("$", message)
    {
    }

    public QueryJsonException(string message, Exception inner)
        : this("$", message, inner)
    {
    }

    public string JsonPath { get; }

    /// <summary>The message without the path (to raise the same error at another path).</summary>
    internal string Reason { get; }
}
