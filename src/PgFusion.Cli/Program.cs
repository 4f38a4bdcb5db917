namespace PgFusion.Cli;

/// <summary>The `pgfusion-cli` offline tool: demo, dump, decode.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine($"pgfusion-cli: unknown command '{string.Join(' ', args)}' (demo, dump are being built)");
        return 2;
    }
}
