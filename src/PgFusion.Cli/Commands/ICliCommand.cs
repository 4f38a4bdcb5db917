namespace PgFusion.Cli.Commands;

/// <summary>A `pgfusion-cli` subcommand. Adding one = one file here + one line in Program.Commands.</summary>
public interface ICliCommand
{
    string Name { get; }

    string Summary { get; }

    /// <summary>The options after the command name, for the usage line.</summary>
    string Usage { get; }

    /// <summary>Runs with the arguments after the command name; returns the process exit code.</summary>
    int Run(string[] args);
}
