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

    /// <summary>Whether the explain's first Filter line comes after (below) its last WindowAgg.</summary>
    private static bool FilterBelowWindows(string explain, string filter) =>
        explain.IndexOf(filter, StringComparison.Ordinal) is var at && at >= 0 && at > explain.LastIndexOf("WindowAgg", StringComparison.Ordinal);

    private static bool FilterAboveWindows(string explain, string filter) =>
        explain.IndexOf(filter, StringComparison.Ordinal) is var at && at >= 0 && at < explain.IndexOf("WindowAgg", StringComparison.Ordinal);

    [Fact]
    public void A_qual_over_the_partition_key_goes_below_the_windows()
    {
        // PostgreSQL 15 check_output_expressions: k is in every window's PARTITION BY, so the qual
        // goes into the sub-query's WHERE; the one over the window's column stays above
        string explain = Explain("SELECT * FROM (SELECT k, a, sum(b) OVER (PARTITION BY k ORDER BY a) AS s, count(*) OVER (PARTITION BY k) AS n FROM t) s WHERE k <> 'k1' AND n > 3");
        Assert.True(FilterBelowWindows(explain, "<> 'k1'"), explain);
        Assert.True(FilterAboveWindows(explain, "> 3"), explain);
    }

    [Fact]
    public void A_qual_over_a_key_missing_from_one_partition_by_stays_above()
    {
        string explain = Explain("SELECT * FROM (SELECT k, a, count(*) OVER (PARTITION BY k) AS n, count(*) OVER (PARTITION BY j) AS m FROM t) s WHERE k <> 'k1'");
        Assert.True(FilterAboveWindows(explain, "<> 'k1'"), explain);
    }

    [Fact]
    public void Only_the_target_entry_the_partition_by_names_is_safe()
    {
        // PARTITION BY j names the first target entry equal to it (x); y, the same value, and j + 0 are unsafe
        string below = Explain("SELECT * FROM (SELECT j AS x, j AS y, count(*) OVER (PARTITION BY j) AS n FROM t) s WHERE x <> 5");
        Assert.True(FilterBelowWindows(below, "<> 5"), below);
        string above = Explain("SELECT * FROM (SELECT j AS x, j AS y, count(*) OVER (PARTITION BY j) AS n FROM t) s WHERE y <> 5");
        Assert.True(FilterAboveWindows(above, "<> 5"), above);
        string expression = Explain("SELECT * FROM (SELECT j + 0 AS x, count(*) OVER (PARTITION BY j) AS n FROM t) s WHERE x <> 5");
        Assert.True(FilterAboveWindows(expression, "<> 5"), expression);
    }

    [Fact]
    public void A_qual_over_the_group_key_of_a_grouped_window_query_goes_below_the_aggregate()
    {
        string explain = Explain("SELECT * FROM (SELECT j, sum(b) AS s, rank() OVER (PARTITION BY j ORDER BY count(*)) AS r FROM t GROUP BY j) s WHERE j <> 5");
        int filter = explain.IndexOf("<> 5", StringComparison.Ordinal);
        Assert.True(filter > explain.IndexOf("HashAggregate", StringComparison.Ordinal) || filter > explain.IndexOf("GroupAggregate", StringComparison.Ordinal), explain);
        Assert.True(FilterBelowWindows(explain, "<> 5"), explain);
    }

    [Fact]
    public void A_qual_over_a_set_operation_goes_into_a_window_leaf_over_its_partition_key()
    {
        // UNION (not flattened): the tree is pushdown-safe for j, in the window leaf's every PARTITION BY
        string explain = Explain("SELECT * FROM (SELECT j, sum(b) OVER (PARTITION BY j) AS s FROM t UNION SELECT j, 0 FROM t) s WHERE j <> 5");
        Assert.True(FilterBelowWindows(explain, "<> 5"), explain);
        // a leaf column outside the PARTITION BY makes the column unsafe for the whole tree
        string above = Explain("SELECT * FROM (SELECT j, a, sum(b) OVER (PARTITION BY j) AS s FROM t UNION SELECT j, a, 0 FROM t) s WHERE a <> 5");
        Assert.DoesNotContain("<> 5", above[above.LastIndexOf("WindowAgg", StringComparison.Ordinal)..], StringComparison.Ordinal);
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
