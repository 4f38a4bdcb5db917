using Xunit;

// Every test swaps Console.Out and Console.Error for the run of Program.Main: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace PgFusion.Cli.Tests;

/// <summary>One in-process run of `pgfusion-cli`: its exit code and what it printed.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static CliRun Of(params string[] args)
    {
        var (oldOut, oldError) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            int code = Program.Main(args);
            return new CliRun(code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}
