using BenchmarkDotNet.Running;

namespace PgFusion.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        // `profile <benchmark method> <seconds>`: runs one benchmark in a loop in this process, for perf record.
        if (args.Length >= 2 && args[0] == "profile")
        {
            Profile(args[1], args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }

    private static void Profile(string method, double seconds)
    {
        var m = typeof(Program).Assembly.GetTypes().Select(t => (Type: t, Method: t.GetMethod(method))).First(x => x.Method is not null);
        object target = Activator.CreateInstance(m.Type)!;
        foreach (var setup in m.Type.GetMethods().Where(x => x.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.GlobalSetupAttribute), false).Length > 0))
            setup.Invoke(target, null);
        var process = System.Diagnostics.Process.GetCurrentProcess();
        for (int w = 0; w < 20; w++) m.Method!.Invoke(target, null);
        var cpu0 = process.TotalProcessorTime;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int runs = 0;
        // a negative figure is a run count (for instruction counts with perf stat), else seconds
        while (seconds < 0 ? runs < -seconds : clock.Elapsed.TotalSeconds < seconds)
        {
            m.Method!.Invoke(target, null);
            runs++;
        }
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds;
        Console.WriteLine($"{method}: {runs} runs, {clock.Elapsed.TotalMilliseconds / runs:F2} ms wall, {cpu / runs:F2} ms CPU each");
    }
}
