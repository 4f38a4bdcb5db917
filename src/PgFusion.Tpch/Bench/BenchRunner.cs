using System.Diagnostics;
using Npgsql;
using PgFusion.Tpch.Results;

namespace PgFusion.Tpch.Bench;

/// <summary>
/// Times the TPC-H queries: per query one warm-up of each configuration, then N rounds that alternate
/// PostgreSQL (its defaults, parallel workers included) with jit on, with jit off, and pg_fusion on,
/// so drift on a shared machine hits every configuration alike. Each timed run fetches the whole
/// result as text and is checked against PostgreSQL's.
/// </summary>
public sealed class BenchRunner(BenchOptions options, TextWriter progress)
{
    public bool FusionAvailable { get; private set; }

    public MachineInfo? Machine { get; private set; }

    public IReadOnlyList<QueryMeasurement> Run()
    {
        using var conn = new NpgsqlConnection(options.ConnectionString);
        conn.Open();
        Execute(conn, $"SET statement_timeout = {(long)options.StatementTimeout.TotalMilliseconds}");
        FusionAvailable = Scalar(conn, "SELECT count(*) FROM pg_settings WHERE name = 'pg_fusion.enable'") is long n && n > 0;
        if (FusionAvailable)
            Execute(conn, "SET pg_fusion.on_unsupported = fallback");
        Machine = MachineInfo.Describe(conn);
        progress.WriteLine(FusionAvailable
            ? $"[bench] SF {options.ScaleFactor}: {options.Queries.Count} queries, {options.Runs} runs each, PostgreSQL (jit on, jit off) vs pg_fusion"
            : $"[bench] SF {options.ScaleFactor}: pg_fusion is not loaded in this cluster; measuring PostgreSQL only (jit on, jit off), {options.Runs} runs each");

        var results = new List<QueryMeasurement>();
        var directory = TpchQuery.Directory();
        foreach (var number in options.Queries)
        {
            var query = TpchQuery.Load(number, directory);
            results.Add(Measure(conn, query));
        }
        return results;
    }

    private QueryMeasurement Measure(NpgsqlConnection conn, TpchQuery query)
    {
        var jitOn = new List<double>();
        var jitOff = new List<double>();
        var fusion = new List<double>();
        string? note = null;
        var status = FusionAvailable ? FusionStatus.Offloaded : FusionStatus.NotMeasured;

        Configure(conn, fusion: false, jit: true);
        var (reference, warmMs) = Time(conn, query.Sql);
        progress.WriteLine($"[bench] {query.Name}: warm-up {warmMs:F0} ms, {ResultText.RowCount(reference)} rows");
        Configure(conn, fusion: false, jit: false);
        Time(conn, query.Sql);

        if (FusionAvailable)
        {
            Configure(conn, fusion: true, jit: true);
            var plan = string.Join('\n', Lines(conn, "EXPLAIN (COSTS OFF) " + query.Sql));
            status = plan.Contains("PgFusion", StringComparison.OrdinalIgnoreCase) ? FusionStatus.Offloaded : FusionStatus.Fallback;
            try
            {
                var (warm, _) = Time(conn, query.Sql);
                if (warm != reference)
                {
                    status = FusionStatus.Mismatch;
                    note = ResultText.FirstDifference(reference, warm);
                }
            }
            catch (PostgresException e)
            {
                status = FusionStatus.Error;
                note = $"{e.SqlState}: {e.MessageText}";
            }
        }

        for (var run = 1; run <= options.Runs; run++)
        {
            Configure(conn, fusion: false, jit: true);
            jitOn.Add(TimeChecked(conn, query, reference, "PostgreSQL jit on"));
            Configure(conn, fusion: false, jit: false);
            jitOff.Add(TimeChecked(conn, query, reference, "PostgreSQL jit off"));
            var line = $"[bench] {query.Name} run {run}/{options.Runs}: jit on {jitOn[^1],8:F1} ms, jit off {jitOff[^1],8:F1} ms";
            if (FusionAvailable && status is FusionStatus.Offloaded or FusionStatus.Fallback)
            {
                Configure(conn, fusion: true, jit: true);
                var (result, ms) = Time(conn, query.Sql);
                fusion.Add(ms);
                if (result != reference)
                {
                    status = FusionStatus.Mismatch;
                    note = ResultText.FirstDifference(reference, result);
                }
                line += $", pg_fusion {ms,8:F1} ms";
            }
            progress.WriteLine(line);
        }

        var m = new QueryMeasurement(query.Number, ResultText.RowCount(reference), jitOn, jitOff, fusion, status, note);
        progress.WriteLine($"[bench] {query.Name}: median jit on {m.JitOnMedian:F1} ms, jit off {m.JitOffMedian:F1} ms" +
            (FusionAvailable ? $", pg_fusion {m.FusionMedian:F1} ms ({status}, {m.Speedup:F2}x)" : ""));
        return m;
    }

    private double TimeChecked(NpgsqlConnection conn, TpchQuery query, string reference, string what)
    {
        var (result, ms) = Time(conn, query.Sql);
        if (result != reference)
            throw new InvalidOperationException($"{query.Name}: {what} returned a different result than its first run: {ResultText.FirstDifference(reference, result)}");
        return ms;
    }

    private void Configure(NpgsqlConnection conn, bool fusion, bool jit)
    {
        Execute(conn, jit ? "SET jit = on" : "SET jit = off");
        if (FusionAvailable)
            Execute(conn, fusion ? "SET pg_fusion.enable = on" : "SET pg_fusion.enable = off");
    }

    private static (string Result, double Ms) Time(NpgsqlConnection conn, string sql)
    {
        var clock = Stopwatch.StartNew();
        var result = ResultText.Run(conn, sql);
        return (result, clock.Elapsed.TotalMilliseconds);
    }

    private static void Execute(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        return cmd.ExecuteScalar();
    }

    private static List<string> Lines(NpgsqlConnection conn, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn);
        using var reader = cmd.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
            lines.Add(reader.GetString(0));
        return lines;
    }
}
