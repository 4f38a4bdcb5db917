namespace PgFusion.Cli;

/// <summary>The `pgfusion-cli` offline tool: demo, dump, decode.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "tpch-load") return Commands.TpchLoadCommand.Run(args[1..]);
        if (args.Length > 0 && args[0] == "tpch-expected") return Commands.TpchExpectedCommand.Run(args[1..]);
        if (args.Length > 0 && args[0] == "bench") return Commands.BenchCommand.Run(args[1..]);
        Console.Error.WriteLine($"pgfusion-cli: unknown command '{string.Join(' ', args)}' (demo, dump are being built)");
        return 2;
    }
}
