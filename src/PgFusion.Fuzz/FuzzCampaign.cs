using System.Diagnostics;
using System.Globalization;
using PgFusion.Fuzz.Generators;
using PgFusion.Fuzz.Running;

namespace PgFusion.Fuzz;

/// <summary>
/// A seeded campaign: case i of seed S is always the same (see <see cref="CaseGen.Sample"/>), so
/// `--seed S --case i` replays one case. Writes each mismatch as an `.slt` into the output folder.
/// </summary>
public static class FuzzCampaign
{
    public static FuzzRunner Run(FuzzDatabase db, FuzzOptions options, ulong seed, int firstCase, int cases, TimeSpan? duration, string? outputDir, TextWriter log)
    {
        var runner = new FuzzRunner(db, options);
        var clock = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzz: seed {seed}, cases {firstCase}..{(duration == null ? (firstCase + cases - 1).ToString(CultureInfo.InvariantCulture) : "until time is up")}, {options.QueriesPerCase} queries per case"));
        for (var i = firstCase; duration != null ? clock.Elapsed < duration : i < firstCase + cases; i++)
        {
            var c = CaseGen.Sample(options, seed, i);
            foreach (var f in runner.RunCase(c, string.Create(CultureInfo.InvariantCulture, $"seed {seed}, case {i}; replay: ./pgfusion fuzz --seed {seed} --case {i}")))
            {
                log.WriteLine(f.ToString());
                if (outputDir != null)
                {
                    Directory.CreateDirectory(outputDir);
                    var path = Path.Combine(outputDir, string.Create(CultureInfo.InvariantCulture, $"fuzz_{seed}_{i}_{runner.Failures.Count}.slt"));
                    File.WriteAllText(path, f.ToSlt());
                    log.WriteLine("written " + path);
                }
            }
            if (clock.Elapsed - lastProgress > TimeSpan.FromSeconds(10))
            {
                lastProgress = clock.Elapsed;
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed:mm\\:ss}] case {i}: {runner.Stats.ProgressLine()}"));
            }
        }
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done in {clock.Elapsed:mm\\:ss}, seed {seed}"));
        log.Write(runner.Stats.Summary());
        return runner;
    }
}
