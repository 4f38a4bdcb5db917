using System.Diagnostics.Tracing;

namespace PgFusion.Benchmarks;

/// <summary>
/// `alloc-types &lt;benchmark method&gt; [runs]`: which types a benchmark allocates, sampled in process from
/// the runtime's GCAllocationTick events (one per ~100 KB allocated, naming the type of the object
/// that crossed the mark), so a type's share of the ticks is about its share of the bytes. Tells
/// where a method's allocations are without a profiler (the shared machine has no dotnet-trace).
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private readonly Dictionary<string, long> _ticks = [];
    private readonly Lock _lock = new();
    private long _total;

    protected override void OnEventSourceCreated(EventSource source)
    {
        // GC keyword (0x1) at Verbose level turns on GCAllocationTick
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        int index = e.PayloadNames!.IndexOf("TypeName");
        string type = index >= 0 ? e.Payload[index] as string ?? "?" : "?";
        lock (_lock)
        {
            _ticks[type] = _ticks.GetValueOrDefault(type) + 1;
            _total++;
        }
    }

    public static void Run(string method, int runs)
    {
        var m = typeof(Program).Assembly.GetTypes().Select(t => (Type: t, Method: t.GetMethod(method))).First(x => x.Method is not null);
        object target = Activator.CreateInstance(m.Type)!;
        foreach (var setup in m.Type.GetMethods().Where(x => x.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.GlobalSetupAttribute), false).Length > 0))
            setup.Invoke(target, null);
        for (int w = 0; w < 200; w++) m.Method!.Invoke(target, null);
        using var sampler = new AllocationSampler();
        long allocated0 = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < runs; r++) m.Method!.Invoke(target, null);
        double kb = (GC.GetAllocatedBytesForCurrentThread() - allocated0) / 1024.0 / runs;
        List<KeyValuePair<string, long>> top;
        long total;
        lock (sampler._lock)
        {
            top = [.. sampler._ticks.OrderByDescending(kv => kv.Value).Take(40)];
            total = sampler._total;
        }
        Console.WriteLine(System.FormattableString.Invariant($"{method}: {kb:F0} KB per call, {total} allocation ticks over {runs} calls; share of ticks (about the share of bytes) by type:"));
        foreach (var (type, n) in top)
            Console.WriteLine(System.FormattableString.Invariant($"{100.0 * n / Math.Max(1, total),6:F1} %  {kb * n / Math.Max(1, total),6:F1} KB  {type}"));
    }
}
