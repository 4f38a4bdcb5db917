namespace PgFusion.Planner.Binding;

/// <summary>
/// Raised inside binding when the query uses a construct the planner does not handle yet; the
/// planner's entry point turns it into <see cref="PlanResult.Unsupported"/> (never reaches callers).
/// </summary>
public sealed class UnsupportedConstructException : Exception
{
    public UnsupportedConstructException(string reason)
        : base(reason)
    {
    }

    public UnsupportedConstructException()
    {
    }

    public UnsupportedConstructException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>The reason format every Unsupported uses: "&lt;construct&gt; is not supported yet".</summary>
    public static UnsupportedConstructException NotYet(string construct) => new($"{construct} is not supported yet");
}
