using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using PgFusion.TestSupport;
using PgFusion.Tpch.Results;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// The walking skeleton through the planner hook (issue 2): EXPLAIN, concurrency, cancellation,
/// worker exceptions, on_unsupported, the SQL functions and the GUCs. PostgreSQL with
/// pg_fusion.enable = off is the oracle for every result.
/// </summary>
[Collection(nameof(HookTestsRunAlone))]
public sealed class HookTests(HookDatabase db) : IClassFixture<HookDatabase>
{
    private const string T = HookDatabase.Table;

    /// <summary>Offloadable queries, each with ORDER BY so that results compare in order.</summary>
    public static readonly string[] Queries =
    [
        $"SELECT k, count(*), sum(v), min(s), max(d) FROM {T} WHERE id > 10 GROUP BY k ORDER BY k",
        $"SELECT id, small, big, v, flag, s, d FROM {T} WHERE v < 100 OR s IS NULL ORDER BY id LIMIT 200",
        $"SELECT count(*), sum(big), avg(small), min(f), max(f), sum(v) FROM {T} WHERE flag",
        $"SELECT s, count(*) FROM {T} WHERE d >= DATE '2020-06-01' GROUP BY s ORDER BY s",
    ];

    private const string SleepQuery = $"SELECT count(*) FROM {T}";

    private NpgsqlConnection OpenFusion(string onUnsupported = "error")
    {
        RequireFusion();
        var conn = db.Open();
        PgServer.Execute(conn, $"SET pg_fusion.enable = on; SET pg_fusion.on_unsupported = {onUnsupported}");
        return conn;
    }

    private void RequireFusion()
    {
        if (!db.FusionAvailable)
            Assert.Fail($"pg_fusion is not preloaded on port {PgServer.Port}: the hook cannot be tested (start the cluster with shared_preload_libraries = 'pg_fusion')");
    }

    private string Off(string sql)
    {
        using var conn = db.Open();
        if (db.FusionAvailable)
            PgServer.Execute(conn, "SET pg_fusion.enable = off");
        return ResultText.Run(conn, sql);
    }

    private static string Explain(NpgsqlConnection conn, string sql) => PgServer.Text(conn, "EXPLAIN " + sql);

    /// <summary>The query is offloaded (EXPLAIN's root is PgFusionScan) and returns what PostgreSQL returns.</summary>
    private void AssertOffloadedAndCorrect(NpgsqlConnection conn, string sql, string? expected = null)
    {
        Assert.StartsWith("Custom Scan (PgFusionScan)", Explain(conn, sql), StringComparison.Ordinal);
        string on = ResultText.Run(conn, sql);
        expected ??= Off(sql);
        Assert.True(expected == on, $"{sql}\nwith pg_fusion: {ResultText.FirstDifference(expected, on)}");
    }

    /// <summary>
    /// A session's blocking work on a thread of its own: on the thread pool, many blocking
    /// sessions would start about one per second (pool growth), not at once.
    /// </summary>
    private static Task<T> OnOwnThread<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static Task OnOwnThread(Action work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>A helper query (status, catalogs, the SQL functions) in a pg_fusion session, run by PostgreSQL.</summary>
    private static object? Plain(NpgsqlConnection conn, string sql)
    {
        PgServer.Execute(conn, "SET pg_fusion.enable = off");
        var value = PgServer.Scalar(conn, sql);
        PgServer.Execute(conn, "SET pg_fusion.enable = on");
        return value;
    }

    private static PostgresException Fails(NpgsqlConnection conn, string sql) =>
        Assert.Throws<PostgresException>(() => ResultText.Run(conn, sql));

    // ------------------------------------------------------------------ EXPLAIN and results

    [Fact]
    public void Explain_shows_PgFusionScan_with_the_worker_plan_under_it()
    {
        using var conn = OpenFusion();
        var plan = Explain(conn, Queries[0]).Split('\n');
        Assert.Matches(@"^Custom Scan \(PgFusionScan\)  \(cost=[0-9.]+ rows=\d+ width=\d+\)$", plan[0]);
        // the worker's operator tree, indented under the node
        Assert.Contains(plan, l => l.StartsWith("  ", StringComparison.Ordinal) && l.Contains("HashAggregate", StringComparison.Ordinal));
        Assert.Contains(plan, l => l.StartsWith("  ", StringComparison.Ordinal) && l.Contains($"Scan #0 on {T}", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, l => l.Contains("Seq Scan", StringComparison.Ordinal));

        PgServer.Execute(conn, "SET pg_fusion.enable = off");
        Assert.DoesNotContain("PgFusionScan", Explain(conn, Queries[0]), StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_analyze_runs_the_offloaded_query_and_counts_served_pages()
    {
        using var conn = OpenFusion();
        var plan = Explain(conn, "(ANALYZE, VERBOSE) " + Queries[2]);
        Assert.Contains("PgFusionScan", plan, StringComparison.Ordinal);
        long pages = (long)Plain(conn, $"SELECT pg_relation_size('{T}') / 8192")!;
        Assert.Matches($@"Pages Served: {pages}\b", plan);
        Assert.Matches(@"PgFusion Plan Handle: \d+", plan);
    }

    [Fact]
    public void Offloaded_queries_return_what_PostgreSQL_returns()
    {
        using var conn = OpenFusion();
        foreach (var q in Queries)
            AssertOffloadedAndCorrect(conn, q);
    }

    /// <summary>
    /// A plan whose handle the worker's bounded plan cache has dropped still runs: EXECUTE carries
    /// the Query JSON and the worker compiles it again. debug_fault = forget_plan makes the worker
    /// ignore every handle, for plain statements and for a prepared statement's cached plan.
    /// </summary>
    [Fact]
    public void A_plan_the_worker_no_longer_caches_is_compiled_again_from_the_json_sent_with_execute()
    {
        using var conn = OpenFusion();
        var expected = Queries.Select(Off).ToArray();
        PgServer.Execute(conn, $"PREPARE forget_plan_q AS {Queries[0]}");
        Assert.Equal(expected[0], ResultText.Run(conn, "EXECUTE forget_plan_q")); // plans and caches the handle
        PgServer.Execute(conn, "SET pg_fusion.debug_fault = forget_plan");
        Assert.Equal(expected[0], ResultText.Run(conn, "EXECUTE forget_plan_q")); // the cached plan's handle is ignored
        for (int i = 0; i < Queries.Length; i++)
            AssertOffloadedAndCorrect(conn, Queries[i], expected[i]);
        PgServer.Execute(conn, "RESET pg_fusion.debug_fault; DEALLOCATE forget_plan_q");
        Assert.Equal(expected[1], ResultText.Run(conn, Queries[1]));
    }

    [Fact]
    public async Task Eight_concurrent_sessions_get_correct_results()
    {
        RequireFusion();
        var expected = Queries.Select(Off).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var sessions = Enumerable.Range(0, 8).Select(s => OnOwnThread(() =>
        {
            using var conn = OpenFusion();
            for (int round = 0; round < 4; round++)
                for (int i = 0; i < Queries.Length; i++)
                {
                    int q = (i + s) % Queries.Length; // sessions interleave different queries
                    string on = ResultText.Run(conn, Queries[q]);
                    if (on != expected[q])
                        failures.Enqueue($"session {s} round {round} query {q}: {ResultText.FirstDifference(expected[q], on)}");
                }
        })).ToArray();
        await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Empty(failures);
        db.AssertNoLeakedSlotsOrPages();
    }

    /// <summary>
    /// More sessions than pg_fusion.slots: a backend waits for a slot (they are freed a few ms after
    /// use) instead of failing; with on_unsupported = fallback a planning wait over 1 s falls back.
    /// Every session gets PostgreSQL's result either way.
    /// </summary>
    [Fact]
    public async Task More_sessions_than_slots_all_get_correct_results()
    {
        RequireFusion();
        int slots;
        using (var conn = db.Open())
            slots = int.Parse((string)PgServer.Scalar(conn, "SHOW pg_fusion.slots")!, System.Globalization.CultureInfo.InvariantCulture);
        string expected = Off(Queries[2]);
        var sessions = Enumerable.Range(0, slots + 4).Select(_ => OnOwnThread(() =>
        {
            using var conn = OpenFusion("fallback");
            return ResultText.Run(conn, Queries[2]);
        })).ToArray();
        var results = await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(results, r => Assert.Equal(expected, r));
        db.AssertNoLeakedSlotsOrPages();
    }

    // ------------------------------------------------------------------ cancellation

    public static TheoryData<string> StallFaults => new() { "compile_sleep", "execute_sleep" };

    [Theory]
    [MemberData(nameof(StallFaults))]
    public void Statement_timeout_stops_an_offloaded_query_and_the_session_goes_on(string fault)
    {
        using var conn = OpenFusion();
        PgServer.Execute(conn, $"SET pg_fusion.debug_fault = {fault}; SET statement_timeout = '300ms'");
        var clock = Stopwatch.StartNew();
        var e = Fails(conn, SleepQuery);
        Assert.Equal(PostgresErrorCodes.QueryCanceled, e.SqlState);
        Assert.Contains("statement timeout", e.MessageText, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the timeout took {clock.Elapsed} to stop a 60 s stall");
        PgServer.Execute(conn, "RESET pg_fusion.debug_fault; RESET statement_timeout");
        AssertOffloadedAndCorrect(conn, Queries[0]);
    }

    [Theory]
    [MemberData(nameof(StallFaults))]
    public async Task Pg_cancel_backend_stops_an_offloaded_query_and_the_session_goes_on(string fault)
    {
        using var conn = OpenFusion();
        using var admin = db.Open();
        PgServer.Execute(conn, $"SET pg_fusion.debug_fault = {fault}; SET application_name = 'hook_cancel_{fault}'");
        int pid = conn.ProcessID;
        var running = Task.Run(() => Fails(conn, SleepQuery));
        var clock = Stopwatch.StartNew();
        // wait until the backend runs the statement, then cancel it
        while (PgServer.Scalar(admin, $"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid} AND state = 'active' AND query = '{SleepQuery}'") is not 1L)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the stalled query never showed up as active");
            Thread.Sleep(20);
        }
        Thread.Sleep(100); // into the stall
        Assert.Equal(true, PgServer.Scalar(admin, $"SELECT pg_cancel_backend({pid})"));
        var e = await running.WaitAsync(TimeSpan.FromSeconds(20)); // TimeoutException: the cancel did not stop it
        Assert.Equal(PostgresErrorCodes.QueryCanceled, e.SqlState);
        Assert.Contains("user request", e.MessageText, StringComparison.Ordinal);
        PgServer.Execute(conn, "RESET pg_fusion.debug_fault");
        AssertOffloadedAndCorrect(conn, Queries[1]);
    }

    // ------------------------------------------------------------------ worker exceptions

    /// <summary>
    /// SQLSTATE XX000 (internal_error), as PostgreSQL's own elog(ERROR) gives: a bug in the engine.
    /// Npgsql closes a connection after any XX error ("the database may be dying"), so each
    /// attempt uses a new session; the server session itself survives (psql shows it).
    /// </summary>
    [Theory]
    [InlineData("compile", "managed exception while compiling")]
    [InlineData("execute", "managed exception after reading")]
    public void A_worker_exception_is_an_ERROR_and_neither_restarts_the_cluster_nor_stops_the_worker(string fault, string message)
    {
        RequireFusion();
        string before;
        string workerBefore;
        using (var conn = db.Open())
        {
            before = Convert.ToString(PgServer.Scalar(conn, "SELECT pg_postmaster_start_time()"), System.Globalization.CultureInfo.InvariantCulture)!;
            workerBefore = (string)PgServer.Scalar(conn, "SELECT pid || '/' || epoch FROM pg_fusion_worker_status()")!;
        }
        for (int i = 0; i < 3; i++)
        {
            using var conn = OpenFusion();
            PgServer.Execute(conn, $"SET pg_fusion.debug_fault = {fault}");
            var e = Fails(conn, SleepQuery);
            Assert.Equal(PostgresErrorCodes.InternalError, e.SqlState);
            Assert.Contains($"pg_fusion.debug_fault = {fault}: {message}", e.MessageText, StringComparison.Ordinal);
            Assert.Contains("managed exception System.InvalidOperationException in the pg_fusion worker", e.Detail, StringComparison.Ordinal);
        }
        using (var conn = OpenFusion())
        {
            AssertOffloadedAndCorrect(conn, Queries[2]);
            Assert.Equal(before, Convert.ToString(Plain(conn, "SELECT pg_postmaster_start_time()"), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(workerBefore, Plain(conn, "SELECT pid || '/' || epoch FROM pg_fusion_worker_status()"));
            Assert.Equal("ready", Plain(conn, "SELECT state FROM pg_fusion_worker_status()"));
        }
        db.AssertNoLeakedSlotsOrPages();
    }

    // ------------------------------------------------------------------ on_unsupported

    // A GROUPS frame: window functions run in the worker, this frame mode does not.
    private const string WindowQuery = $"SELECT id, count(*) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) FROM {T} ORDER BY id LIMIT 5";

    public static TheoryData<string, string> Unsupported => new()
    {
        { WindowQuery, "window frame EXCLUDE CURRENT ROW" }, // the worker's planner says no
        // DISTINCT ON with LIMIT inside a LATERAL subquery: the worker's binder says no
        { $"SELECT a.id, l.m FROM {T} a, LATERAL (SELECT DISTINCT ON (b.id % 3) b.id AS m FROM {T} b WHERE b.id < a.id ORDER BY b.id % 3, b.id DESC LIMIT 2) l WHERE a.id <= 20 ORDER BY a.id, l.m LIMIT 5", "LATERAL" },
        { $"SELECT id FROM {T} ORDER BY id LIMIT 5 FOR UPDATE", "FOR UPDATE/SHARE" }, // the hook says no before asking
    };

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void On_unsupported_error_raises_0A000_naming_the_construct(string sql, string construct)
    {
        using var conn = OpenFusion("error");
        var e = Fails(conn, sql);
        Assert.Equal(PostgresErrorCodes.FeatureNotSupported, e.SqlState);
        Assert.StartsWith("pg_fusion cannot run this query: ", e.MessageText, StringComparison.Ordinal);
        Assert.Contains(construct, e.MessageText, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void On_unsupported_fallback_returns_PostgreSQLs_result_with_a_DEBUG1_line(string sql, string construct)
    {
        using var conn = OpenFusion("fallback");
        var notices = new List<PostgresNotice>();
        conn.Notice += (_, e) => notices.Add(e.Notice);
        PgServer.Execute(conn, "SET client_min_messages = debug1");
        string on = ResultText.Run(conn, sql);
        PgServer.Execute(conn, "RESET client_min_messages");
        Assert.Equal(Off(sql), on);
        Assert.Contains(notices, n => n.Severity == "DEBUG"
            && n.MessageText.StartsWith("pg_fusion falls back to PostgreSQL's planner: ", StringComparison.Ordinal)
            && n.MessageText.Contains(construct, StringComparison.Ordinal));
        Assert.DoesNotContain("PgFusionScan", Explain(conn, sql), StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ SQL functions

    [Fact]
    public void Query_tree_is_JSON_that_names_the_relations()
    {
        using var conn = OpenFusion();
        var json = (string)Plain(conn, $"SELECT pg_fusion_query_tree('{Queries[0]}')::text")!;
        using var doc = JsonDocument.Parse(json);
        var relations = doc.RootElement.GetProperty("relations").EnumerateArray().ToList();
        var relid = Convert.ToUInt32(Plain(conn, $"SELECT '{T}'::regclass::oid"), System.Globalization.CultureInfo.InvariantCulture);
        var rel = Assert.Single(relations, r => r.GetProperty("name").GetString() == T);
        Assert.Equal(relid, rel.GetProperty("relid").GetUInt32());
        Assert.Equal("r", rel.GetProperty("relkind").GetString());
        var targets = doc.RootElement.GetProperty("query").GetProperty("targetList").EnumerateArray()
            .Where(te => !te.GetProperty("resjunk").GetBoolean()).Select(te => te.GetProperty("resname").GetString()).ToList();
        Assert.Equal(new[] { "k", "count", "sum", "min", "max" }, targets);
    }

    [Fact]
    public void Explain_function_returns_the_plans_and_the_generated_kernel_source()
    {
        using var conn = OpenFusion();
        var text = (string)Plain(conn, $"SELECT pg_fusion_explain('{Queries[0]}')")!;
        Assert.Contains("== logical plan", text, StringComparison.Ordinal);
        Assert.Contains("== planner's physical plan ==", text, StringComparison.Ordinal);
        Assert.Contains("== physical plan ==", text, StringComparison.Ordinal);
        Assert.Matches(@"== kernel \S+ \(compiled in [0-9.]+ ms\) ==", text);
        Assert.Matches(@"public static class Kernel\w+", text);
        Assert.Matches(@"public static \w+ (Filter|Project)\(", text);
        Assert.Matches(@"== kernel cache: [0-9]+ kernels compiled, [0-9]+ taken from the cache ==", text);
        Assert.Matches(@"== timing: plan [0-9.]+ ms, plan\+compile [0-9.]+ ms ==", text);
        // the same query again: every kernel now comes from the worker's shared kernel cache
        var again = (string)Plain(conn, $"SELECT pg_fusion_explain('{Queries[0]}')")!;
        Assert.Matches(@"== kernel cache: 0 kernels compiled, [1-9][0-9]* taken from the cache ==", again);

        var why = (string)Plain(conn, $"SELECT pg_fusion_explain('{WindowQuery}')")!;
        Assert.StartsWith("Unsupported: ", why, StringComparison.Ordinal);
        Assert.Contains("window frame EXCLUDE CURRENT ROW", why, StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 4: EXPLAIN shows the chosen join order with estimated rows per node, and with
    /// pg_fusion.explain_rules on, pg_fusion_explain shows the logical plan after binding and after
    /// every rewrite rule (off: only after binding and the final one).
    /// </summary>
    [Fact]
    public void Explain_shows_the_join_order_with_rows_and_explain_rules_every_rule()
    {
        using var conn = OpenFusion();
        string join = $"SELECT count(*) FROM {T} a JOIN {T} b ON b.id = a.k JOIN {T} c ON c.id = b.k WHERE a.id > 10";
        var plan = Explain(conn, join).Split('\n');
        Assert.Equal(2, plan.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+(-> )?HashJoin \w+: .*\(rows=\d+\)$")));
        Assert.Equal(3, plan.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"Scan #\d+ on {T}.*\(rows=\d+\)$")));

        string[] rules = [.. PgFusion.Planner.Rules.Optimizer.RulesFor(PgFusion.Planner.Json.QueryCatalog.Empty).Select(r => r.Name)];
        var plain = (string)Plain(conn, $"SELECT pg_fusion_explain('{join}')")!;
        Assert.Contains("== logical plan after bind ==", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("== logical plan after join_reorder ==", plain, StringComparison.Ordinal);

        PgServer.Execute(conn, "SET pg_fusion.explain_rules = on");
        var every = (string)Plain(conn, $"SELECT pg_fusion_explain('{join}')")!;
        // the last stage is headed "== logical plan (after <rule>) ==", the others "== logical plan after <rule> =="
        foreach (var rule in rules)
            Assert.Matches($@"== logical plan \(?after {rule}\)? ==", every);
        PgServer.Execute(conn, "RESET pg_fusion.explain_rules");
    }

    // ------------------------------------------------------------------ GUCs

    [Theory]
    [InlineData("pg_fusion.enable", "off", "user", null, null)]
    [InlineData("pg_fusion.on_unsupported", "fallback", "user", "{fallback,error}", null)]
    [InlineData("pg_fusion.debug_fault", "none", "superuser", "{none,compile,execute,compile_sleep,execute_sleep,forget_plan,probe_sleep,reader_error,reader_sleep,readers_only}", null)]
    [InlineData("pg_fusion.slots", "32", "postmaster", null, null)]
    [InlineData("pg_fusion.pool_pages", "2048", "postmaster", null, null)]
    [InlineData("pg_fusion.session_pages", "256", "postmaster", null, null)]
    [InlineData("pg_fusion.ring_size", "256", "postmaster", null, "kB")]
    [InlineData("pg_fusion.work_mem", "-1", "user", null, "kB")]
    [InlineData("pg_fusion.page_readers", "0", "user", null, null)]
    public void GUC_exists_with_its_documented_default_and_context(string name, string bootValue, string context, string? enumValues, string? unit)
    {
        RequireFusion();
        using var conn = db.Open();
        using var cmd = new NpgsqlCommand("SELECT boot_val, context, enumvals::text, unit FROM pg_settings WHERE name = $1", conn);
        cmd.Parameters.AddWithValue(name);
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read(), $"{name} is not defined");
        Assert.Equal(bootValue, r.GetString(0));
        Assert.Equal(context, r.GetString(1));
        Assert.Equal(enumValues, r.IsDBNull(2) ? null : r.GetString(2));
        Assert.Equal(unit, r.IsDBNull(3) ? null : r.GetString(3));
    }

    [Fact]
    public void Enable_is_off_in_a_new_session_and_settable_per_session()
    {
        RequireFusion();
        using var a = db.Open();
        using var b = db.Open();
        Assert.Equal("off", PgServer.Scalar(a, "SHOW pg_fusion.enable"));
        PgServer.Execute(a, "SET pg_fusion.enable = on");
        Assert.Equal("on", PgServer.Scalar(a, "SHOW pg_fusion.enable"));
        Assert.Equal("off", PgServer.Scalar(b, "SHOW pg_fusion.enable"));
        Assert.StartsWith("Custom Scan (PgFusionScan)", Explain(a, Queries[2]), StringComparison.Ordinal);
        Assert.DoesNotContain("PgFusionScan", Explain(b, Queries[2]), StringComparison.Ordinal);
    }
}

/// <summary>
/// The hook tests run after the other classes, alone: they check that every session slot and pool
/// page comes back, and time cancellations, which other classes' queries would disturb.
/// </summary>
[CollectionDefinition(nameof(HookTestsRunAlone), DisableParallelization = true)]
public sealed class HookTestsRunAlone;
