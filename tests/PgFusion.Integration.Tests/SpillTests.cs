using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using PgFusion.TestSupport;
using PgFusion.Tpch.Results;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// Spilling under pg_fusion.work_mem: EXPLAIN ANALYZE reports the files and bytes the worker spilled
/// (and none when the budget is large), results equal PostgreSQL's, and no spill file is left in
/// base/pgsql_tmp after success, an error or a cancel.
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed partial class SpillTests : IClassFixture<HookDatabase>
{
    private const string Table = "spill_big";
    private const string TextTable = "spill_text"; // 96-byte text values (pg_fusion has no repeat())
    private const string Aggregate = $"SELECT g, count(*), sum(v), count(DISTINCT s) FROM {Table} GROUP BY g ORDER BY g";
    private const string Sort = $"SELECT id, s, v FROM {Table} ORDER BY s, v DESC, id";
    private readonly HookDatabase db;

    public SpillTests(HookDatabase db)
    {
        this.db = db;
        using var conn = db.Open();
        PgServer.Execute(conn, $"""
            CREATE TABLE IF NOT EXISTS {Table} AS
            SELECT i AS id, i % 20011 AS g, (i * 7) % 1000 AS v, 'k' || (i % 3001) AS s
            FROM generate_series(1, 200000) i;
            ANALYZE {Table};
            CREATE TABLE IF NOT EXISTS {TextTable} AS
            SELECT i AS id, i % 20011 AS g, repeat(md5(i::text), 3) AS t
            FROM generate_series(1, 200000) i;
            ANALYZE {TextTable};
            """);
    }

    private NpgsqlConnection OpenFusion(string workMem)
    {
        if (!db.FusionAvailable) Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}");
        var conn = db.Open();
        PgServer.Execute(conn, $"SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = error; SET pg_fusion.work_mem = '{workMem}'");
        return conn;
    }

    private string Off(string sql)
    {
        using var conn = db.Open();
        PgServer.Execute(conn, "SET pg_fusion.enable = off");
        return ResultText.Run(conn, sql);
    }

    private static string ExplainAnalyze(NpgsqlConnection conn, string sql) => PgServer.Text(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql);

    /// <summary>pg_fusion's spill files now in the cluster's temporary directory.</summary>
    private long SpillFilesOnDisk()
    {
        using var conn = db.Open();
        return (long)PgServer.Scalar(conn, "SELECT count(*) FROM pg_ls_tmpdir() WHERE name LIKE 'pgsql_tmp%.pgfusion.%'")!;
    }

    [GeneratedRegex(@"Spill Files: (\d+)")]
    private static partial Regex SpillFilesLine();

    [GeneratedRegex(@"Spilled: (\d+) kB")]
    private static partial Regex SpilledLine();

    [GeneratedRegex(@"^\s+Spill: (.+?) \(node (\d+)\) (\d+) files?, (\d+) kB written$", RegexOptions.Multiline)]
    private static partial Regex SpillOperatorLine();

    /// <summary>Words the plan line of a node that spills that kind of file starts with (the nodes' Describe).</summary>
    private static readonly Dictionary<string, string[]> NodeLineStarts = new()
    {
        ["Sort"] = ["Sort:", "Top-N"],
        ["WindowAgg"] = ["WindowAgg:"],
        ["HashAggregate"] = ["HashAggregate:", "Aggregate:"],
        ["Aggregate Runs"] = ["HashAggregate:", "Aggregate:"],
    };

    /// <summary>
    /// EXPLAIN ANALYZE names the operators that spilled, by plan node (DONE's spill section,
    /// docs/ipc.md 5.4): one `Spill:` line per node and kind, `(node n)` being the n-th line of the
    /// PgFusion plan printed under the Custom Scan, which describes an operator of that kind; the
    /// lines add up to the totals (files exactly, kB within the rounding of each line), and in JSON
    /// a `Spill by Operator` list of the same nodes that is empty when nothing spilled. The window
    /// query spills its sort's runs and its partition's pass-through column.
    /// </summary>
    [Theory]
    [InlineData($"SELECT id, s, sum(v) OVER (ORDER BY g, id ROWS BETWEEN 50 PRECEDING AND CURRENT ROW), row_number() OVER (ORDER BY g, id) FROM {Table}", "Sort,WindowAgg")]
    [InlineData(Aggregate, "Aggregate Runs,HashAggregate,Sort")]
    public void EXPLAIN_ANALYZE_shows_the_spill_of_each_operator(string sql, string operators)
    {
        using (var conn = OpenFusion("64kB"))
        {
            string plan = ExplainAnalyze(conn, sql);
            var lines = SpillOperatorLine().Matches(plan);
            Assert.Equal(operators.Split(','), lines.Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal));
            // node n is line n of the PgFusion plan: output line n, after the Custom Scan's own line
            var planLines = plan.Split('\n');
            Assert.StartsWith("Custom Scan (PgFusionScan)", planLines[0], StringComparison.Ordinal);
            var nodes = new List<(string Operator, int Node)>();
            foreach (Match m in lines)
            {
                int node = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                Assert.InRange(node, 1, planLines.Length - 1);
                string described = planLines[node].TrimStart(' ', '-', '>');
                Assert.True(NodeLineStarts[m.Groups[1].Value].Any(w => described.StartsWith(w, StringComparison.Ordinal)), $"{m.Value} names plan line '{described}'\n{plan}");
                nodes.Add((m.Groups[1].Value, node));
            }
            Assert.Equal(nodes.Count, nodes.Distinct().Count()); // one line per node and kind
            long files = long.Parse(SpillFilesLine().Match(plan).Groups[1].Value, CultureInfo.InvariantCulture);
            long kb = long.Parse(SpilledLine().Match(plan).Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.Equal(files, lines.Sum(m => long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
            long linesKb = lines.Sum(m => long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture));
            Assert.InRange(linesKb, kb, kb + lines.Count);
            Assert.All(lines, m => Assert.True(long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) > 0, m.Value));

            string json = PgServer.Text(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, FORMAT JSON) " + sql);
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            var entries = FindProperty(doc.RootElement, "Spill by Operator");
            Assert.True(entries.HasValue, json);
            Assert.Equal(nodes.Order(), entries!.Value.EnumerateArray().Select(e => (e.GetProperty("Operator").GetString()!, e.GetProperty("Node").GetInt32())).Order());
            Assert.All(entries.Value.EnumerateArray(), e => Assert.True(e.GetProperty("Files").GetInt64() > 0 && e.GetProperty("Written").GetInt64() > 0));
        }
        using (var conn = OpenFusion("256MB"))
        {
            string plan = ExplainAnalyze(conn, sql);
            Assert.DoesNotMatch(SpillOperatorLine(), plan);
            string json = PgServer.Text(conn, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, FORMAT JSON) " + sql);
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            var entries = FindProperty(doc.RootElement, "Spill by Operator");
            Assert.True(entries.HasValue, json);
            Assert.Equal(0, entries!.Value.GetArrayLength());
        }
        Assert.Equal(0, SpillFilesOnDisk());
    }

    /// <summary>The first property named <paramref name="name"/> anywhere in a JSON document.</summary>
    private static System.Text.Json.JsonElement? FindProperty(System.Text.Json.JsonElement e, string name)
    {
        if (e.ValueKind == System.Text.Json.JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (p.Name == name) return p.Value;
                if (FindProperty(p.Value, name) is { } found) return found;
            }
        }
        else if (e.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray())
                if (FindProperty(item, name) is { } found) return found;
        }
        return null;
    }

    [Theory]
    [InlineData(Aggregate)]
    [InlineData(Sort)]
    public void A_tiny_budget_spills_and_EXPLAIN_ANALYZE_shows_it_while_a_large_one_does_not(string sql)
    {
        using (var conn = OpenFusion("64kB"))
        {
            string plan = ExplainAnalyze(conn, sql);
            Assert.Contains("Worker Memory Budget: 64 kB", plan, StringComparison.Ordinal);
            var files = SpillFilesLine().Match(plan);
            Assert.True(files.Success, plan);
            Assert.True(long.Parse(files.Groups[1].Value, CultureInfo.InvariantCulture) > 0, plan);
            Assert.True(long.Parse(SpilledLine().Match(plan).Groups[1].Value, CultureInfo.InvariantCulture) > 0, plan);
            string on = ResultText.Run(conn, sql);
            string off = Off(sql);
            Assert.True(off == on, ResultText.FirstDifference(off, on));
        }
        using (var conn = OpenFusion("256MB"))
        {
            string plan = ExplainAnalyze(conn, sql);
            Assert.Contains("Worker Memory Budget: 262144 kB", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("Spill Files", plan, StringComparison.Ordinal);
        }
        Assert.Equal(0, SpillFilesOnDisk());
    }

    /// <summary>
    /// Aggregates whose per-group state grows with the input: DISTINCT value sets and ORDER BY rows
    /// write sorted runs once they pass the budget (one group, or a few groups in the table, so the
    /// group table itself has nothing to spill), and string_agg's text counts against the budget.
    /// With one group or five, nothing but these states can spill: before they could, these
    /// queries showed no Spill Files at 64 kB.
    /// </summary>
    [Theory]
    [InlineData("64kB", $"SELECT count(DISTINCT id), count(DISTINCT s), sum(DISTINCT v), count(*) FROM {Table}")]
    [InlineData("64kB", $"SELECT g % 5, count(DISTINCT id), string_agg(DISTINCT s, ',') FROM {Table} GROUP BY g % 5 ORDER BY 1")]
    [InlineData("64kB", $"SELECT string_agg(s || ':' || v, ',' ORDER BY v DESC, id) FROM {Table} WHERE id <= 60000")]
    [InlineData("64kB", $"SELECT g % 7, string_agg(id::text, ';' ORDER BY s DESC, id), count(*) FROM {Table} GROUP BY g % 7 ORDER BY 1")]
    [InlineData("64kB", $"SELECT g % 3, string_agg(DISTINCT s, '|' ORDER BY s DESC), sum(DISTINCT id % 5000) FROM {Table} GROUP BY g % 3 ORDER BY 1")]
    // 20001 groups, met one after another: keys and state arrays (about 1 MB) fit in 1400 kB, their
    // text (another 1.1 MB) does not, so the groups met last go to partitions (count(*) alone does not spill)
    [InlineData("1400kB", $"SELECT id / 10, length(string_agg(s, ',')) FROM {Table} GROUP BY id / 10 ORDER BY 1")]
    public void Aggregates_that_buffer_rows_per_group_spill_and_equal_PostgreSQL(string workMem, string sql) =>
        SpillsAndMatches(workMem, sql, oracleWorkMem: null);

    /// <summary>
    /// min / max over text count their groups' values against the budget (MinMaxAccumulator.HeldBytes,
    /// since 2026-12-02's mem8): 100,000 groups' keys and state arrays (about 8.4 MB) fit in 12 MB,
    /// their max / min text (96 bytes each, about 19 MB) does not, so the hash aggregate spills (a `Spill:
    /// HashAggregate` line; the plan has no other operator that holds rows). Before, it held all of
    /// it and showed no Spill Files. At 1 MB, 200,000 groups spill several levels deep. Rows come in
    /// hash order: compared sorted. (No text expression in the arguments: min(t || id) under the
    /// parallel partial aggregate gave wrong values intermittently on 2026-12-02, with or without
    /// spilling, before this change too; see perf/mem8-2026-12-02.md.)
    /// </summary>
    [Theory]
    [InlineData("12MB", $"SELECT id / 2, max(t), min(t::varchar) FROM {TextTable} GROUP BY id / 2")]
    [InlineData("1MB", $"SELECT id, max(t), count(*) FROM {TextTable} GROUP BY id")]
    [InlineData("1MB", $"SELECT id % 50000, min(t), max(t::varchar), min(g) FROM {TextTable} GROUP BY id % 50000")]
    public void Min_max_over_text_of_many_groups_spill_the_hash_aggregate_and_equal_PostgreSQL(string workMem, string sql)
    {
        using var conn = OpenFusion(workMem);
        string plan = ExplainAnalyze(conn, sql);
        Assert.Contains(SpillOperatorLine().Matches(plan), m => m.Groups[1].Value == "HashAggregate");
        static string Sorted(string result) => string.Join('\n', result.Split('\n').Order(StringComparer.Ordinal));
        string on = Sorted(ResultText.Run(conn, sql));
        string off = Sorted(Off(sql));
        Assert.True(off == on, ResultText.FirstDifference(off, on));
        Assert.Equal(0, SpillFilesOnDisk());
    }

    /// <summary>
    /// NOT IN (a null-aware anti join) over a subquery bigger than the budget is a grace hash join:
    /// a NULL in the subquery empties the result without partitioning the outer rows, an outer NULL
    /// is dropped, and every partition pair is a NOT IN of its own. PostgreSQL gets 256MB of
    /// work_mem so that its NOT IN is a hashed subplan (a plain one would take hours).
    /// </summary>
    [Theory]
    [InlineData($"SELECT count(*), sum(a.v) FROM {Table} a WHERE a.id NOT IN (SELECT b.id * 2 FROM {Table} b)")]
    [InlineData($"SELECT a.id, a.s FROM {Table} a WHERE a.id NOT IN (SELECT b.id + 7 FROM {Table} b WHERE b.id % 1000 <> 0) ORDER BY a.id")]
    [InlineData($"SELECT count(*) FROM {Table} a WHERE (CASE WHEN a.id % 10 = 0 THEN NULL ELSE a.id END) NOT IN (SELECT b.id * 3 FROM {Table} b)")]
    [InlineData($"SELECT count(*) FROM {Table} a WHERE a.v NOT IN (SELECT CASE WHEN b.id = 150000 THEN NULL ELSE b.id + 1000 END FROM {Table} b)")]
    [InlineData($"SELECT a.s, count(*) FROM {Table} a WHERE a.s NOT IN (SELECT 'k' || (b.id * 2) FROM {Table} b) GROUP BY a.s ORDER BY a.s")]
    public void Not_in_over_a_big_subquery_spills_and_equals_PostgreSQL(string sql) =>
        SpillsAndMatches("64kB", sql, oracleWorkMem: "256MB");

    /// <summary>
    /// Joins that cannot partition (no equi-key; or one key shared by every row, so each grace level
    /// puts every row in one partition) run as a block nested loop over the spilled build side, and
    /// FETCH FIRST ... WITH TIES sorts through spilled runs, and WITH RECURSIVE's working tables go to
    /// files; before, all of these held everything in memory.
    /// </summary>
    [Theory]
    // the build side (the smaller) comes in many small batches (the budget is checked between batches)
    [InlineData("16kB", $"SELECT a.id, count(*), max(b.s) FROM {Table} a JOIN {Table} b ON a.v > b.v + 990 WHERE a.id % 80 = 0 AND b.id % 100 = 0 GROUP BY a.id ORDER BY a.id")]
    [InlineData("16kB", $"SELECT a.id, count(b.id) FROM {Table} a LEFT JOIN {Table} b ON a.v < b.v - 900 AND b.id % 100 = 0 WHERE a.id % 80 = 0 GROUP BY a.id ORDER BY a.id")]
    [InlineData("16kB", $"SELECT count(*), sum(a.id), sum(b.id), max(b.s) FROM {Table} a JOIN {Table} b ON a.g % 1 = b.g % 1 WHERE a.id % 80 = 0 AND b.id % 100 = 0")]
    [InlineData("64kB", $"SELECT * FROM (SELECT id, s, v FROM {Table} ORDER BY v FETCH FIRST 50000 ROWS WITH TIES) x ORDER BY id")]
    [InlineData("64kB", $"WITH RECURSIVE r(id, d, s) AS (SELECT id, 0, s FROM {Table} WHERE id <= 40000 UNION ALL SELECT id, d + 1, s FROM r WHERE d < 3) SELECT d, count(*), sum(id), max(s) FROM r GROUP BY d ORDER BY d")]
    public void Joins_that_cannot_partition_WITH_TIES_and_recursive_work_tables_spill_and_equal_PostgreSQL(string workMem, string sql) =>
        SpillsAndMatches(workMem, sql, oracleWorkMem: null);

    /// <summary>
    /// WITH RECURSIVE ... UNION's set of rows seen spills: each iteration adds 2000-4000 narrow rows
    /// (a working table under the 64 kB budget, which never spilled), while the set of rows seen grows
    /// to 20-40 thousand. Before, these queries showed no Spill Files at 64 kB.
    /// </summary>
    [Theory]
    [InlineData($"WITH RECURSIVE r(id, d) AS (SELECT id, 0 FROM {Table} WHERE id <= 2000 UNION SELECT id, (d + 1) % 20 FROM r) SELECT d, count(*), sum(id) FROM r GROUP BY d ORDER BY d")]
    [InlineData($"WITH RECURSIVE r(v, d) AS (SELECT v, 0 FROM {Table} WHERE id <= 4000 UNION SELECT (v * 3 + d) % 1000, d + 1 FROM r WHERE d < 30) SELECT d, count(*), sum(v) FROM r GROUP BY d ORDER BY d")]
    public void A_recursive_UNION_seen_set_spills_and_equals_PostgreSQL(string sql) =>
        SpillsAndMatches("64kB", sql, oracleWorkMem: null);

    /// <summary>
    /// An index-probe join whose outer input (20,000 rows, 40 keys) passes the budget writes the rest
    /// of it to a file and replays it after the held batches. Nothing else here holds more than a few
    /// kB (the build side is the ~800 inner rows the 40 keys find), so the Spill Files are the outer
    /// input's; before, the plan showed none.
    /// </summary>
    [Theory]
    [InlineData("SELECT o.id, o.tag, b.id, b.v FROM spill_probe_outer o JOIN spill_probe_inner b ON b.k = o.a ORDER BY o.id, b.id")]
    [InlineData("SELECT o.id, o.tag FROM spill_probe_outer o WHERE NOT EXISTS (SELECT 1 FROM spill_probe_inner b WHERE b.k = o.a AND b.id > 390000) ORDER BY o.id")]
    public void An_index_probe_join_spills_its_outer_input_and_equals_PostgreSQL(string sql)
    {
        using (var conn = db.Open())
        {
            PgServer.Execute(conn, """
                CREATE TABLE IF NOT EXISTS spill_probe_inner AS SELECT g::int8 AS id, g % 20000 AS k, 'v' || g AS v FROM generate_series(1, 400000) g;
                CREATE INDEX IF NOT EXISTS spill_probe_inner_k ON spill_probe_inner (k);
                CREATE TABLE IF NOT EXISTS spill_probe_outer AS SELECT i AS id, (i % 40) * 397 AS a, 'outer-' || i || repeat('x', i % 17) AS tag FROM generate_series(1, 20000) i;
                ANALYZE spill_probe_inner;
                ANALYZE spill_probe_outer;
                """);
        }
        using (var conn = OpenFusion("64kB"))
            Assert.Contains("Index Probe Join", ExplainAnalyze(conn, sql), StringComparison.Ordinal);
        SpillsAndMatches("64kB", sql, oracleWorkMem: null);
    }

    private void SpillsAndMatches(string workMem, string sql, string? oracleWorkMem)
    {
        using var conn = OpenFusion(workMem);
        string plan = ExplainAnalyze(conn, sql);
        var files = SpillFilesLine().Match(plan);
        Assert.True(files.Success, plan);
        Assert.True(long.Parse(files.Groups[1].Value, CultureInfo.InvariantCulture) > 0, plan);
        Assert.True(long.Parse(SpilledLine().Match(plan).Groups[1].Value, CultureInfo.InvariantCulture) > 0, plan);
        string on = ResultText.Run(conn, sql);
        string off;
        using (var pg = db.Open())
        {
            PgServer.Execute(pg, "SET pg_fusion.enable = off" + (oracleWorkMem is null ? "" : $"; SET work_mem = '{oracleWorkMem}'"));
            off = ResultText.Run(pg, sql);
        }
        Assert.True(off == on, ResultText.FirstDifference(off, on));
        Assert.Equal(0, SpillFilesOnDisk());
    }

    [Fact]
    public void An_error_after_spilling_leaves_no_spill_file()
    {
        using var conn = OpenFusion("64kB");
        var e = Assert.Throws<PostgresException>(() => ResultText.Run(conn, $"SELECT g, sum(v) / (min(v) - min(v)) FROM {Table} GROUP BY g"));
        Assert.Equal(PostgresErrorCodes.DivisionByZero, e.SqlState);
        Assert.Equal(0, SpillFilesOnDisk());
        Assert.Equal(Off(Aggregate), ResultText.Run(conn, Aggregate));
    }

    [Fact]
    public async Task A_cancel_while_spilling_leaves_no_spill_file()
    {
        using var conn = OpenFusion("64kB");
        using var admin = db.Open();
        int pid = conn.ProcessID;
        const string slow = Sort;
        var running = Task.Factory.StartNew(() => Assert.Throws<PostgresException>(() => ResultText.Run(conn, slow)),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var clock = Stopwatch.StartNew();
        while (SpillFilesOnDisk() == 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60) && !running.IsCompleted, "no spill file showed up while the query ran");
            Thread.Sleep(10);
        }
        Assert.Equal(true, PgServer.Scalar(admin, $"SELECT pg_cancel_backend({pid})"));
        var e = await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(PostgresErrorCodes.QueryCanceled, e.SqlState);
        // The worker abandons the request within its 20 ms wait slice and deletes the files as it unwinds.
        clock.Restart();
        while (SpillFilesOnDisk() > 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "spill files remained after the cancel");
            Thread.Sleep(20);
        }
    }
}
