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
        // `cpu <benchmark method> [runs] [warm-ups]`: median and lowest thread-CPU ms per call after the warm-ups
        // (default 200 and 300), so that other processes on a shared machine do not count.
        if (args.Length >= 2 && args[0] == "cpu")
        {
            ThreadCpu(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 200, args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 300);
            return;
        }
        // `compile-times [runs]`: median wall and thread-CPU ms of a cold plan + compile per TPC-H query.
        if (args.Length >= 1 && args[0] == "compile-times")
        {
            CompileTimes(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 21);
            return;
        }
        // `kernel-times <qNN> [runs]`: each kernel of one TPC-H query with its IL size and median wall compile time,
        // every variant included (dumping a kernel compiles the general variant a cold query leaves for later).
        if (args.Length >= 2 && args[0] == "kernel-times")
        {
            KernelTimes(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 21);
            return;
        }
        // `rule-times <qNN> [runs]`: median thread CPU ms of the envelope, of binding and of each rewrite rule for one
        // TPC-H query (the first rule's line includes the projection pruning and constant evaluation that run before the rules).
        if (args.Length >= 2 && args[0] == "rule-times")
        {
            RuleTimes(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 21);
            return;
        }
        // `alloc-types <benchmark method> [runs]`: the types it allocates, sampled (AllocationSampler).
        if (args.Length >= 2 && args[0] == "alloc-types")
        {
            AllocationSampler.Run(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5000);
            return;
        }
        // `ab <method A> <method B> [rounds]`: the two benchmark methods (same class) alternately in this
        // process, 10 runs of each per round; per round the median thread-CPU ms per run of each; prints
        // every round and the median of the per-round ratios A / B (load varies less within a round).
        if (args.Length >= 3 && args[0] == "ab")
        {
            AlternateAb(args[1], args[2], args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 15);
            return;
        }
        // `cold <benchmark method> [runs]`: thread-CPU ms of each of the first runs in a fresh process (no warm-up):
        // how long the method runs code below its final tier (Tier0, OSR, instrumented Tier1).
        if (args.Length >= 2 && args[0] == "cold")
        {
            Cold(args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 60);
            return;
        }
        // `abn <rounds> <method> <method> ...`: as `ab` for any number of methods of one class, each round running
        // 10 of each in turn; prints every round and per method the median time and the median of its per-round
        // ratio to the first method.
        if (args.Length >= 4 && args[0] == "abn")
        {
            AlternateMany(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), args[2..]);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }

    private static void AlternateAb(string a, string b, int rounds)
    {
        var type = typeof(Program).Assembly.GetTypes().First(t => t.GetMethod(a) is not null && t.GetMethod(b) is not null);
        object target = Activator.CreateInstance(type)!;
        foreach (var setup in type.GetMethods().Where(x => x.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.GlobalSetupAttribute), false).Length > 0))
            setup.Invoke(target, null);
        var ma = type.GetMethod(a)!;
        var mb = type.GetMethod(b)!;
        // Warm up by count and by time: the runtime promotes a method from Tier0 (or its OSR code)
        // to Tier1 only 100 ms after the last new Tier0 method, and a once-per-run method needs
        // 30 calls first, so 30 calls alone left some rounds running early code (the 07:05 quiet
        // run's bimodal rounds, perf/kernels-2026-12-01.md). PGFUSION_AB_WARMUP_SECONDS (default 2).
        double warmupSeconds = double.TryParse(Environment.GetEnvironmentVariable("PGFUSION_AB_WARMUP_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out double ws) ? ws : 2;
        var warm = System.Diagnostics.Stopwatch.StartNew();
        for (int w = 0; w < 30 || warm.Elapsed.TotalSeconds < warmupSeconds; w++)
        {
            ma.Invoke(target, null);
            mb.Invoke(target, null);
        }
        double Block(System.Reflection.MethodInfo m)
        {
            var times = new List<double>();
            for (int i = 0; i < 10; i++)
            {
                double c0 = ThreadCpuMs();
                m.Invoke(target, null);
                times.Add(ThreadCpuMs() - c0);
            }
            times.Sort();
            return times[times.Count / 2];
        }
        var ratios = new List<double>();
        var ta = new List<double>();
        var tb = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            double x = Block(ma), y = Block(mb);
            ta.Add(x);
            tb.Add(y);
            ratios.Add(x / y);
            Console.WriteLine($"round {r + 1}: {a} {x:F3} ms, {b} {y:F3} ms, {b} / {a} = {y / x:P1}");
        }
        ratios.Sort();
        ta.Sort();
        tb.Sort();
        double med = ratios[ratios.Count / 2];
        Console.WriteLine($"median of {rounds} rounds: {a} {ta[rounds / 2]:F3} ms, {b} {tb[rounds / 2]:F3} ms, median ratio {a} / {b} = {med:F3} ({b} / {a} = {1 / med:P1})");
    }

    private static void Cold(string method, int runs)
    {
        var m = typeof(Program).Assembly.GetTypes().Select(t => (Type: t, Method: t.GetMethod(method))).First(x => x.Method is not null);
        object target = Activator.CreateInstance(m.Type)!;
        foreach (var setup in m.Type.GetMethods().Where(x => x.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.GlobalSetupAttribute), false).Length > 0))
            setup.Invoke(target, null);
        var wall = System.Diagnostics.Stopwatch.StartNew();
        double total = 0;
        var line = new System.Text.StringBuilder();
        for (int r = 0; r < runs; r++)
        {
            double c0 = ThreadCpuMs();
            m.Method!.Invoke(target, null);
            double t = ThreadCpuMs() - c0;
            total += t;
            line.Append(System.FormattableString.Invariant($" {t:F2}"));
        }
        Console.WriteLine($"{method} first {runs} runs, thread CPU ms each:{line}");
        Console.WriteLine(System.FormattableString.Invariant($"{method}: {total:F1} ms thread CPU in all, {wall.Elapsed.TotalMilliseconds:F0} ms wall"));
    }

    private static void AlternateMany(int rounds, string[] names)
    {
        var type = typeof(Program).Assembly.GetTypes().First(t => names.All(n => t.GetMethod(n) is not null));
        object target = Activator.CreateInstance(type)!;
        foreach (var setup in type.GetMethods().Where(x => x.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.GlobalSetupAttribute), false).Length > 0))
            setup.Invoke(target, null);
        var methods = names.Select(n => type.GetMethod(n)!).ToArray();
        double warmupSeconds = double.TryParse(Environment.GetEnvironmentVariable("PGFUSION_AB_WARMUP_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out double ws) ? ws : 2;
        var warm = System.Diagnostics.Stopwatch.StartNew();
        for (int w = 0; w < 30 || warm.Elapsed.TotalSeconds < warmupSeconds; w++)
        {
            foreach (var m in methods) m.Invoke(target, null);
        }
        var times = names.Select(_ => new List<double>()).ToArray();
        var ratios = names.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < rounds; r++)
        {
            var line = new System.Text.StringBuilder($"round {r + 1}:");
            double first = 0;
            for (int k = 0; k < methods.Length; k++)
            {
                var block = new List<double>();
                for (int i = 0; i < 10; i++)
                {
                    double c0 = ThreadCpuMs();
                    methods[k].Invoke(target, null);
                    block.Add(ThreadCpuMs() - c0);
                }
                block.Sort();
                double t = block[block.Count / 2];
                if (k == 0) first = t;
                times[k].Add(t);
                ratios[k].Add(t / first);
                line.Append(System.FormattableString.Invariant($" {names[k]} {t:F3}"));
            }
            Console.WriteLine(line);
        }
        // a class may describe its state after the runs (DecoderBenchmarks: the decoders' shape guesses)
        type.GetMethod("DescribeState")?.Invoke(target, null);
        for (int k = 0; k < methods.Length; k++)
        {
            times[k].Sort();
            ratios[k].Sort();
            Console.WriteLine(System.FormattableString.Invariant($"median of {rounds} rounds: {names[k]} {times[k][rounds / 2]:F3} ms, min {times[k][0]:F3}, ratio to {names[0]} {ratios[k][rounds / 2]:F3}"));
        }
    }

    private static void Profile(string method, double seconds)
    {
        var m = typeof(Program).Assembly.GetTypes().Select(t => (Type: t, Method: t.GetMethod(method))).First(x => x.Method is not null);
        object target = Activator.CreateInstance(m.Type)!;
        foreach (var setup in m.Type.GetMethods().Where(x => x.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.GlobalSetupAttribute), false).Length > 0))
            setup.Invoke(target, null);
        var process = System.Diagnostics.Process.GetCurrentProcess();
        // PGFUSION_PROFILE_WARMUPS: fewer warm-up runs for slow benchmarks on a loaded machine
        int warmups = int.TryParse(Environment.GetEnvironmentVariable("PGFUSION_PROFILE_WARMUPS"), out int wu) ? wu : 20;
        for (int w = 0; w < warmups; w++) m.Method!.Invoke(target, null);
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

    private static void ThreadCpu(string method, int runs, int warmups)
    {
        var m = typeof(Program).Assembly.GetTypes().Select(t => (Type: t, Method: t.GetMethod(method))).First(x => x.Method is not null);
        object target = Activator.CreateInstance(m.Type)!;
        foreach (var setup in m.Type.GetMethods().Where(x => x.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.GlobalSetupAttribute), false).Length > 0))
            setup.Invoke(target, null);
        for (int w = 0; w < warmups; w++) m.Method!.Invoke(target, null);
        var times = new List<double>(runs);
        long allocated0 = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < runs; r++)
        {
            double c0 = ThreadCpuMs();
            m.Method!.Invoke(target, null);
            times.Add(ThreadCpuMs() - c0);
        }
        double allocatedKb = (GC.GetAllocatedBytesForCurrentThread() - allocated0) / 1024.0 / runs;
        times.Sort();
        Console.WriteLine(System.FormattableString.Invariant($"{method}: thread CPU ms median {times[runs / 2]:F3}, lowest {times[0]:F3}, allocated {allocatedKb:F0} KB per call ({runs} runs after {warmups} warm-ups)"));
    }

    /// <summary>
    /// Thread CPU time as well as wall time, so that a loaded machine (other processes taking the
    /// cores) does not inflate the figure: the CPU time is what the worker's thread spends.
    /// </summary>
    private static void CompileTimes(int runs)
    {
        var wall = new List<double>();
        var cpu = new List<double>();
        // thread CPU misses the kernels QueryCompiler compiles on the thread pool: process CPU counts them
        // (and whatever else the runtime does meanwhile, e.g. tiered JIT of the planner)
        Console.WriteLine("query | kernels | cold wall ms (median) | cold CPU ms (median) | CPU ms min-max | process CPU ms (median) | plan only CPU ms (median) | in KernelCache (build + Compile) ms (median)");
        var process = System.Diagnostics.Process.GetCurrentProcess();
        var processCpu = new List<double>();
        double totalCpu = 0, totalProcess = 0, totalWall = 0;
        for (int q = 1; q <= 22; q++)
        {
            string name = $"q{q:D2}";
            var json = TpchCompileBenchmarks.Load(name);
            for (int w = 0; w < 3; w++) TpchCompileBenchmarks.CompileCold(json);
            wall.Clear();
            cpu.Clear();
            processCpu.Clear();
            long kernels = 0;
            for (int r = 0; r < runs; r++)
            {
                process.Refresh();
                var p0 = process.TotalProcessorTime;
                double c0 = ThreadCpuMs();
                var clock = System.Diagnostics.Stopwatch.StartNew();
                TpchCompileBenchmarks.CompileCold(json, out kernels);
                wall.Add(clock.Elapsed.TotalMilliseconds);
                cpu.Add(ThreadCpuMs() - c0);
                process.Refresh();
                processCpu.Add((process.TotalProcessorTime - p0).TotalMilliseconds);
            }
            processCpu.Sort();
            var planCpu = new List<double>();
            var kernelWall = new List<double>();
            for (int r = 0; r < runs; r++)
            {
                double c0 = ThreadCpuMs();
                _ = PgFusion.Planner.QueryPlanner.Plan(json, PgFusion.Codegen.Dump.CompileAndDump.WorkerOptions);
                planCpu.Add(ThreadCpuMs() - c0);
                var cache = new PgFusion.Codegen.Kernels.KernelCache();
                _ = new PgFusion.Codegen.QueryCompiler(cache).Compile(PgFusion.Planner.QueryPlanner.Plan(json, PgFusion.Codegen.Dump.CompileAndDump.WorkerOptions).Plan!);
                kernelWall.Add(cache.CompileTime.TotalMilliseconds);
            }
            planCpu.Sort();
            kernelWall.Sort();
            wall.Sort();
            cpu.Sort();
            totalCpu += cpu[runs / 2];
            totalProcess += processCpu[runs / 2];
            totalWall += wall[runs / 2];
            Console.WriteLine(System.FormattableString.Invariant($"{name} | {kernels} | {wall[runs / 2]:F2} | {cpu[runs / 2]:F2} | {cpu[0]:F2}-{cpu[^1]:F2} | {processCpu[runs / 2]:F2} | {planCpu[runs / 2]:F2} | {kernelWall[runs / 2]:F2}"));
        }
        Console.WriteLine(System.FormattableString.Invariant($"sum of medians: wall {totalWall:F1} ms, thread CPU {totalCpu:F1} ms, process CPU {totalProcess:F1} ms over 22 queries"));
    }

    /// <summary>
    /// Per kernel of one query: IL lines and median wall compile time (tree build + LambdaCompiler +
    /// RyuJIT) of all its variants, which the dump compiles; `compile-times` measures what a cold
    /// query really compiles. PGFUSION_KERNEL_DUMP_DIR writes each kernel's C# and IL there.
    /// </summary>
    private static void KernelTimes(string query, int runs)
    {
        var json = TpchCompileBenchmarks.Load(query);
        for (int w = 0; w < 3; w++) TpchCompileBenchmarks.CompileCold(json);
        var times = new Dictionary<string, List<double>>();
        var il = new Dictionary<string, int>();
        for (int r = 0; r < runs; r++)
        {
            var dump = PgFusion.Codegen.Dump.QueryDumper.Dump(TpchCompileBenchmarks.CompileCold(json));
            foreach (var k in dump.Kernels)
            {
                if (!times.TryGetValue(k.Name, out var list)) times[k.Name] = list = [];
                list.Add(k.CompileTime.TotalMilliseconds);
                il[k.Name] = k.Il.Split('\n').Length;
                if (r == 0 && Environment.GetEnvironmentVariable("PGFUSION_KERNEL_DUMP_DIR") is { Length: > 0 } dir)
                    File.WriteAllText(Path.Combine(dir, $"{query}-{k.Name}.cs"), k.CSharp + "\n// IL\n" + k.Il);
            }
        }
        Console.WriteLine("kernel | IL lines (all variants) | wall compile ms of all variants (median)");
        foreach (var (name, list) in times)
        {
            list.Sort();
            Console.WriteLine(System.FormattableString.Invariant($"{name} | {il[name]} | {list[list.Count / 2]:F2}"));
        }
    }

    /// <summary>Planning time by step: the AfterRule observer sees the plan after binding and after each rule.</summary>
    private static void RuleTimes(string query, int runs)
    {
        var json = TpchCompileBenchmarks.Load(query);
        var times = new Dictionary<string, List<double>>();
        var bytes = new Dictionary<string, long>();
        // PGFUSION_PROFILE_WARMUPS: more warm-up plans so that tiered compilation has promoted the planner (default 3).
        int warmups = int.TryParse(Environment.GetEnvironmentVariable("PGFUSION_PROFILE_WARMUPS"), out int wu) ? wu : 3;
        void Add(string step, double ms, long allocated)
        {
            if (!times.TryGetValue(step, out var list)) times[step] = list = [];
            list.Add(ms);
            bytes[step] = bytes.GetValueOrDefault(step) + allocated;
        }
        for (int r = -warmups; r < runs; r++)
        {
            double start = ThreadCpuMs();
            long startBytes = GC.GetAllocatedBytesForCurrentThread();
            double last = start;
            long lastBytes = startBytes;
            var options = PgFusion.Codegen.Dump.CompileAndDump.WorkerOptions with
            {
                AfterRule = (rule, _) =>
                {
                    double now = ThreadCpuMs();
                    long nowBytes = GC.GetAllocatedBytesForCurrentThread();
                    if (r >= 0) Add(rule, now - last, nowBytes - lastBytes);
                    last = ThreadCpuMs();
                    lastBytes = GC.GetAllocatedBytesForCurrentThread();
                },
            };
            // the envelope (JSON parse, shared relations and catalog) on its own; "bind" is the binder alone
            using (var envelope = PgFusion.Planner.Json.QueryEnvelopeReader.Read(json))
            {
                double read = ThreadCpuMs();
                long readBytes = GC.GetAllocatedBytesForCurrentThread();
                if (r >= 0) Add("envelope", read - start, readBytes - startBytes);
                last = read;
                lastBytes = readBytes;
                _ = PgFusion.Planner.QueryPlanner.Plan(envelope, options);
            }
            double end = ThreadCpuMs();
            long endBytes = GC.GetAllocatedBytesForCurrentThread();
            if (r >= 0)
            {
                Add("physical + explain", end - last, endBytes - lastBytes); // after the last rule
                Add("total", end - start, endBytes - startBytes);
            }
        }
        Console.WriteLine("step | CPU ms (median) | KB allocated per plan");
        foreach (var (rule, list) in times)
        {
            list.Sort();
            Console.WriteLine(System.FormattableString.Invariant($"{rule} | {list[list.Count / 2]:F3} | {bytes[rule] / 1024.0 / runs:F1}"));
        }
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CLOCK_THREAD_CPUTIME_ID (3 on Linux): CPU time of the calling thread.</summary>
    private static double ThreadCpuMs()
    {
        if (ClockGetTime(3, out var t) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        return t.Seconds * 1e3 + t.Nanoseconds / 1e6;
    }
}
