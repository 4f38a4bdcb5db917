namespace PgFusion.Cli.Commands;

/// <summary>Bad command-line arguments; Program prints the message and the command's usage, exit code 2.</summary>
public sealed class CliUsageException : Exception
{
    public CliUsageException()
    {
    }

    public CliUsageException(string message) : base(message)
    {
    }

    public CliUsageException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
