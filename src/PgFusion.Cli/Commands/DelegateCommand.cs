namespace PgFusion.Cli.Commands;

/// <summary>A subcommand whose implementation is a static Run(string[]) method.</summary>
public sealed class DelegateCommand(string name, string summary, string usage, Func<string[], int> run) : ICliCommand
{
    public string Name => name;

    public string Summary => summary;

    public string Usage => usage;

    public int Run(string[] args) => run(args);
}
