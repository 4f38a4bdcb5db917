using PgFusion.Planner.Tests.Fixtures;
using PgFusion.TestSupport;
using Xunit;

namespace PgFusion.Planner.Tests.Binding;

/// <summary>
/// Window functions bound from queries captured on the live PostgreSQL 15 (as LiveCaptureTests):
/// the WindowAgg node's keys, frame and functions, the sort below it, where filters stay, and the
/// Unsupported reasons of the constructs that fall back.
/// </summary>
public sealed class WindowBindingTests
{
    private static readonly Lazy<string> Database = new(() =>
    {
        string cs = PgServer.CreateDatabase("pgfusion_window_binding_tests");
        using var conn = new Npgsql.NpgsqlConnection(cs);
        conn.Open();
        foreach (var statement in FixtureQueries.Setup.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            PgServer.Execute(conn, statement);
        return cs;
    });

    private static PlanResult Plan(string sql)
    {
        using var conn = new Npgsql.NpgsqlConnection(Database.Value);
        conn.Open();
        return QueryPlanner.Plan(FixtureCapture.Capture(conn, sql));
    }

    private static string Explain(string sql)
    {
        var result = Plan(sql);
        Assert.True(result.IsSupported, result.UnsupportedReason);
        return result.Plan!.Explain;
    }

    [Fact]
    public void Partition_and_order_keys_sort_below_the_window_with_their_directions()
    {
        string explain = Explain("SELECT a, rank() OVER (PARTITION BY k ORDER BY b DESC NULLS LAST, d) FROM t");
        Assert.Contains("WindowAgg", explain);
        Assert.Contains("Partition By: k", explain);
        Assert.Contains("Order By: b, d", explain);
        Assert.Contains("Frame: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", explain);
        Assert.Contains("Functions: rank()", explain);
        Assert.Contains("Sort Key: k, b DESC NULLS LAST, d", explain);
        Assert.True(explain.IndexOf("WindowAgg", StringComparison.Ordinal) < explain.IndexOf("Sort Key", StringComparison.Ordinal));
    }

    [Fact]
    public void A_window_without_keys_has_no_sort()
    {
        string explain = Explain("SELECT a, count(*) OVER () FROM t");
        Assert.Contains("WindowAgg", explain);
        Assert.DoesNotContain("Sort", explain);
    }

    [Fact]
    public void Rows_frames_keep_their_offsets()
    {
        string explain = Explain("SELECT sum(b) OVER (ORDER BY a ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING), avg(c) OVER (ORDER BY a ROWS UNBOUNDED PRECEDING) FROM t");
        Assert.Contains("Frame: ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING", explain);
        Assert.Contains("Frame: ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", explain);
    }

    [Fact]
    public void Groups_and_range_offset_frames_keep_their_mode_offsets_and_direction()
    {
        string explain = Explain("SELECT sum(b) OVER (ORDER BY j GROUPS BETWEEN 2 PRECEDING AND 1 FOLLOWING), count(*) OVER (ORDER BY a DESC RANGE BETWEEN 10 PRECEDING AND CURRENT ROW) FROM t");
        Assert.Contains("Frame: GROUPS BETWEEN 2 PRECEDING AND 1 FOLLOWING", explain);
        Assert.Contains("Frame: RANGE BETWEEN 10 PRECEDING AND CURRENT ROW", explain);
        var frames = new List<PgFusion.Planner.Logical.WindowFrame>();
        void Walk(PgFusion.Planner.Physical.PhysicalPlan p)
        {
            if (p is PgFusion.Planner.Physical.PhysicalWindow w) frames.Add(w.Frame);
            foreach (var c in p.Children) Walk(c);
        }
        Walk(Plan("SELECT count(*) OVER (ORDER BY a DESC RANGE BETWEEN 10 PRECEDING AND CURRENT ROW) FROM t").Plan!.Root);
        Assert.True(Assert.Single(frames).Descending);
    }

    [Fact]
    public void A_window_aggregate_filter_is_its_last_argument()
    {
        var result = Plan("SELECT count(*) FILTER (WHERE a > 1) OVER (), sum(b) FILTER (WHERE g) OVER (ORDER BY a ROWS 3 PRECEDING) FROM t");
        Assert.True(result.IsSupported, result.UnsupportedReason);
        var functions = new List<PgFusion.Planner.Physical.PhysicalWindowFunction>();
        void Walk(PgFusion.Planner.Physical.PhysicalPlan p)
        {
            if (p is PgFusion.Planner.Physical.PhysicalWindow w) functions.AddRange(w.Functions);
            foreach (var c in p.Children) Walk(c);
        }
        Walk(result.Plan!.Root);
        Assert.Equal(2, functions.Count);
        Assert.All(functions, f => Assert.NotNull(f.Aggregate!.Filter));
        var count = Assert.Single(functions, f => f.Name == "count");
        var sum = Assert.Single(functions, f => f.Name == "sum");
        Assert.Single(count.Args); // count(*): the filter only
        Assert.Empty(count.Aggregate!.Args);
        Assert.Equal(2, sum.Args.Count);
        Assert.Single(sum.Aggregate!.Args);
    }

    [Fact]
    public void A_window_over_grouping_sets_sits_above_them()
    {
        string explain = Explain("SELECT k, GROUPING(k), rank() OVER (PARTITION BY GROUPING(k) ORDER BY sum(b)) FROM t GROUP BY ROLLUP (k)");
        Assert.Contains("WindowAgg", explain);
    }

    [Fact]
    public void Two_window_clauses_are_two_windows_each_over_its_sort()
    {
        string explain = Explain("SELECT row_number() OVER (ORDER BY a), count(*) OVER (PARTITION BY k) FROM t");
        Assert.Equal(2, explain.Split("WindowAgg").Length - 1);
        Assert.Equal(2, explain.Split("Sort Key").Length - 1);
    }

    [Fact]
    public void Window_clauses_stack_in_postgres_order_not_winref_order()
    {
        // select_active_windows: (PARTITION BY k ORDER BY b) has the higher tleSortGroupRef, so its
        // WindowAgg is the lower one (it comes later in the explain, which prints from the top)
        string explain = Explain("SELECT sum(b) OVER (ORDER BY a), rank() OVER (PARTITION BY k ORDER BY b) FROM t");
        Assert.True(explain.IndexOf("Sort Key: a", StringComparison.Ordinal) < explain.IndexOf("Sort Key: k, b", StringComparison.Ordinal), explain);
        Assert.True(explain.IndexOf("sum(", StringComparison.Ordinal) < explain.IndexOf("rank(", StringComparison.Ordinal), explain);
    }

    [Fact]
    public void A_window_whose_keys_prefix_the_sorted_order_has_no_sort_of_its_own()
    {
        string explain = Explain("SELECT count(*) OVER (PARTITION BY k), sum(b) OVER (PARTITION BY k ORDER BY a), max(a) OVER (PARTITION BY k ORDER BY a ROWS 2 PRECEDING) FROM t");
        Assert.Equal(3, explain.Split("WindowAgg").Length - 1);
        Assert.Equal(1, explain.Split("Sort Key").Length - 1);
        Assert.Contains("Sort Key: k, a", explain);
    }

    [Fact]
    public void Functions_of_one_clause_share_its_window()
    {
        string explain = Explain("SELECT lag(d, 2, 'x') OVER w, lead(a) OVER w, ntile(4) OVER w, nth_value(b, 2) OVER w FROM t WINDOW w AS (PARTITION BY g ORDER BY a)");
        Assert.Single(explain.Split("WindowAgg").Skip(1));
        Assert.Contains("lag(", explain);
        Assert.Contains("nth_value(", explain);
    }

    [Fact]
    public void A_filter_above_a_window_in_a_sub_query_stays_above_it()
    {
        string explain = Explain("SELECT * FROM (SELECT a, b, row_number() OVER (ORDER BY a) AS rn FROM t) s WHERE b > 100");
        int filter = explain.IndexOf("Filter:", StringComparison.Ordinal);
        int window = explain.IndexOf("WindowAgg", StringComparison.Ordinal);
        Assert.True(filter >= 0 && filter < window, explain);
    }

    [Fact]
    public void A_window_over_aggregates_sits_above_the_aggregate()
    {
        string explain = Explain("SELECT k, sum(b), rank() OVER (ORDER BY sum(b) DESC) FROM t GROUP BY k");
        Assert.True(explain.IndexOf("WindowAgg", StringComparison.Ordinal) < explain.IndexOf("HashAggregate", StringComparison.Ordinal), explain);
    }

    [Theory]
    [InlineData("SELECT count(*) OVER (ORDER BY a ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM t", "window frame EXCLUDE CURRENT ROW")]
    [InlineData("SELECT count(*) OVER (ORDER BY a ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES) FROM t", "window frame EXCLUDE TIES")]
    [InlineData("SELECT count(*) OVER (ORDER BY a ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE GROUP) FROM t", "window frame EXCLUDE GROUP")]
    [InlineData("SELECT string_agg(d, ',') OVER () FROM t", "window aggregate string_agg")]
    [InlineData("SELECT count(*) OVER (ORDER BY c RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t", "window frame in RANGE mode with an offset (PRECEDING/FOLLOWING n) over an ORDER BY key of type")]
    [InlineData("SELECT count(*) OVER (ORDER BY e RANGE BETWEEN '1 day' PRECEDING AND CURRENT ROW) FROM t", "window frame in RANGE mode with an offset (PRECEDING/FOLLOWING n) over an ORDER BY key of type")]
    [InlineData("SELECT sum(a) OVER (ORDER BY a ROWS BETWEEN 1 + 1 PRECEDING AND CURRENT ROW) FROM t", "window frame offset that is not a constant")]
    public void Unsupported_window_constructs_name_themselves(string sql, string reason)
    {
        var result = Plan(sql);
        Assert.False(result.IsSupported);
        Assert.Contains(reason, result.UnsupportedReason, StringComparison.Ordinal);
    }
}
