using System.Globalization;
using System.Text;

namespace PgFusion.Tpch.Bench;

/// <summary>Writes a bench run as perf/results/tpch-sf&lt;N&gt;-&lt;date&gt;.md, .csv and .svg.</summary>
public static class BenchReport
{
    public static IReadOnlyList<string> Write(BenchOptions options, MachineInfo machine, bool fusionAvailable,
        IReadOnlyList<QueryMeasurement> results, string? loadNote, DateTime now)
    {
        Directory.CreateDirectory(options.OutputDirectory);
        var sf = options.ScaleFactor.ToString("0.###", CultureInfo.InvariantCulture).Replace('.', '_');
        var stem = Path.Combine(options.OutputDirectory, $"tpch-sf{sf}-{now:yyyy-MM-dd-HHmm}");
        File.WriteAllText(stem + ".csv", Csv(results));
        File.WriteAllText(stem + ".svg", Chart(options, fusionAvailable, results));
        File.WriteAllText(stem + ".md", Markdown(options, machine, fusionAvailable, results, loadNote, now, Path.GetFileName(stem)));
        return [stem + ".md", stem + ".csv", stem + ".svg"];
    }

    public static double GeometricMean(IEnumerable<double> values)
    {
        var list = values.Where(v => v > 0 && double.IsFinite(v)).ToList();
        return list.Count == 0 ? double.NaN : Math.Exp(list.Average(Math.Log));
    }

    private static string Status(QueryMeasurement m) => m.Status switch
    {
        FusionStatus.NotMeasured => "postgres-only",
        var s => s.ToString().ToLowerInvariant(),
    };

    private static string Csv(IReadOnlyList<QueryMeasurement> results)
    {
        var csv = new StringBuilder("query,postgres_jit_on_ms,postgres_jit_off_ms,postgres_best_ms,pgfusion_ms,speedup_vs_best,status\n");
        foreach (var m in results)
            csv.Append(CultureInfo.InvariantCulture,
                $"{m.Name},{m.JitOnMedian:F1},{m.JitOffMedian:F1},{m.BestPostgres:F1},{Num(m.FusionMedian, "F1")},{Num(m.Speedup, "F3")},{Status(m)}\n");
        return csv.ToString();
    }

    private static string Chart(BenchOptions options, bool fusionAvailable, IReadOnlyList<QueryMeasurement> results) =>
        fusionAvailable
            ? SvgBarChart.Render($"TPC-H SF {options.ScaleFactor}: pg_fusion speedup over PostgreSQL's best", "speedup (x)",
                results.Select(m => (m.Name, m.Speedup)).ToList(), baseline: 1.0)
            : SvgBarChart.Render($"TPC-H SF {options.ScaleFactor}: PostgreSQL only (pg_fusion not loaded), best of jit on/off", "median ms",
                results.Select(m => (m.Name, m.BestPostgres)).ToList(), baseline: null);

    private static string Markdown(BenchOptions options, MachineInfo machine, bool fusionAvailable,
        IReadOnlyList<QueryMeasurement> results, string? loadNote, DateTime now, string stem)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# TPC-H SF {options.ScaleFactor}: {(fusionAvailable ? "PostgreSQL vs pg_fusion" : "PostgreSQL only")} ({now:yyyy-MM-dd HH:mm} UTC)\n\n");
        if (!fusionAvailable)
            md.Append("pg_fusion was **not loaded** in this cluster: this run measures PostgreSQL only (a baseline).\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Medians of {options.Runs} timed runs after one warm-up per configuration; the configurations alternate within each round. ");
        md.Append("Times are wall-clock on the client and include fetching the whole result as text. ");
        md.Append("PostgreSQL runs at its defaults (parallel workers included), once with `jit = on` and once with `jit = off`; *best* is the lower median.");
        if (fusionAvailable)
            md.Append(" pg_fusion runs with `pg_fusion.enable = on`, `on_unsupported = fallback`; *offloaded* means EXPLAIN showed the PgFusion scan, and every result was compared with PostgreSQL's.");
        md.Append("\n\n## Machine\n\n");
        md.Append(CultureInfo.InvariantCulture, $"- CPU: {machine.Cpu}, {machine.Cores} cores visible\n- Memory: {machine.Memory}\n- Load average at start: {machine.LoadAverage} (a shared machine: other work runs beside the benchmark)\n- {machine.PostgresVersion}\n");
        md.Append("- Settings: " + string.Join(", ", machine.Settings.Select(s => $"`{s.Name} = {s.Setting}`")) + "\n");
        if (loadNote is not null)
            md.Append(CultureInfo.InvariantCulture, $"- Data: {loadNote}\n");
        md.Append("\n## Results\n\n");
        md.Append("| query | rows | PostgreSQL ms (jit on) | PostgreSQL ms (jit off) | PostgreSQL best ms | pg_fusion ms | speedup vs best | status |\n");
        md.Append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        foreach (var m in results)
            md.Append(CultureInfo.InvariantCulture,
                $"| {m.Name} | {m.Rows} | {m.JitOnMedian:F1} | {m.JitOffMedian:F1} | {m.BestPostgres:F1} | {Num(m.FusionMedian, "F1")} | {Num(m.Speedup, "F2")} | {Status(m)}{(m.Note is null ? "" : " (" + m.Note.Replace("|", "\\|", StringComparison.Ordinal) + ")")} |\n");
        md.Append(CultureInfo.InvariantCulture, $"\nGeometric mean: jit on {GeometricMean(results.Select(m => m.JitOnMedian)):F1} ms, jit off {GeometricMean(results.Select(m => m.JitOffMedian)):F1} ms, PostgreSQL best {GeometricMean(results.Select(m => m.BestPostgres)):F1} ms");
        if (fusionAvailable)
            md.Append(CultureInfo.InvariantCulture, $", pg_fusion {GeometricMean(results.Select(m => m.FusionMedian)):F1} ms, speedup {GeometricMean(results.Select(m => m.Speedup)):F2}x");
        md.Append(".\n\n");
        md.Append(CultureInfo.InvariantCulture, $"![chart]({stem}.svg)\n");
        return md.ToString();
    }

    private static string Num(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "";
}
