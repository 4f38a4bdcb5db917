namespace PgFusion.TestSupport.Slt;

/// <summary>An .slt file that does not follow the format; the message starts with file:line.</summary>
public sealed class SltParseException : Exception
{
    public SltParseException(string file, int line, string message)
        : base($"{file}:{line}: {message}")
    {
    }

    public SltParseException()
    {
    }

    public SltParseException(string message) : base(message)
    {
    }

    public SltParseException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
