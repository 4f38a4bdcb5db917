namespace PgFusion.Cli.Commands;

public static class BenchCommand
{
    public static int Run(string[] args) => 2;
}
