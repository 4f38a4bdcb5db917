using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// PostgreSQL 15 turns a qual over a sub-query with window functions that compares a monotonic
/// window function's column with a pseudo-constant (`rn &lt;= 3` over `row_number() OVER (...) AS rn`;
/// row_number, rank, dense_rank, percent_rank, cume_dist, ntile, and count by its frame) into the
/// WindowAgg's run condition (allpaths.c find_window_run_conditions). Once it fails, the WindowAgg
/// stops: the top one without PARTITION BY returns no more rows, so it neither computes the select
/// list nor advances its window functions past that row; otherwise it skips its window functions
/// for the rest of the partition (nodeWindowAgg.c, WINDOWAGG_PASSTHROUGH[_STRICT]). pg_fusion
/// evaluates every row and filters above, which is observable only when something PostgreSQL skips
/// can raise: such a query is left to PostgreSQL (Unsupported). Checked on the optimized plan:
/// <see cref="PredicatePushdown"/> has left these quals right above the sub-query, and
/// <see cref="ProjectionPruning"/> has dropped the outputs nothing reads (as remove_unused_subquery_outputs does).
/// </summary>
public sealed class WindowRunCondition
{
    private readonly QueryCatalog catalog;
    private readonly Func<BoundExpr, bool> cannotRaise;

    private WindowRunCondition(QueryCatalog catalog)
    {
        this.catalog = catalog;
        cannotRaise = e => PredicatePushdown.CannotRaise(e, oid => catalog.OperatorOfFunction(oid) is { Name: "=" or "<>" or "<" or "<=" or ">" or ">=" });
    }

    /// <summary>Raises Unsupported when <paramref name="plan"/> (or a WITH query it reads) has a run condition over expressions that can raise.</summary>
    public static void Check(LogicalPlan plan, QueryCatalog catalog)
    {
        var check = new WindowRunCondition(catalog);
        foreach (var definition in CteDefinition.Reachable(plan)) check.Walk(definition.Plan);
        check.Walk(plan);
    }

    private void Walk(LogicalPlan plan)
    {
        if (plan is LogicalFilter { Having: false, OneTime: false } filter && RaisingRunCondition(filter) is { } reason)
            throw UnsupportedConstructException.NotYet(reason);
        foreach (var child in plan.Children) Walk(child);
    }

    private string? RaisingRunCondition(LogicalFilter filter)
    {
        // The sub-query's select list and window clauses below the filter, top first.
        var outputs = new Dictionary<int, BoundExpr>();
        var projected = new List<BoundExpr>();
        var windows = new List<LogicalWindow>();
        var input = filter.Input;
        while (true)
        {
            if (input is LogicalProject project)
            {
                foreach (var e in project.Exprs)
                {
                    outputs.TryAdd(e.Column.Id, e.Expr);
                    projected.Add(e.Expr);
                }
                input = project.Input;
            }
            else if (input is LogicalSort { Limit: null } sort) input = sort.Input;
            else if (input is LogicalWindow window)
            {
                windows.Add(window);
                input = window.Input;
            }
            else break;
        }
        if (windows.Count == 0) return null;
        var conjuncts = PredicatePushdown.Conjuncts(filter.Predicate);
        foreach (var conjunct in conjuncts)
        {
            if (RunConditionWindow(conjunct, outputs, windows) is not { } window) continue;
            // The top WindowAgg without PARTITION BY stops; otherwise the window's functions are skipped.
            bool stops = ReferenceEquals(window, windows[0]) && window.PartitionKeys.Count == 0;
            bool mayRaise = stops
                ? windows.Any(ArgumentsMayRaise) || projected.Any(e => !cannotRaise(e)) || conjuncts.Any(c => !ReferenceEquals(c, conjunct) && !cannotRaise(c))
                : ArgumentsMayRaise(window);
            if (mayRaise) return "a window run condition (PostgreSQL 15 stops the WindowAgg early) over expressions that can raise";
        }
        return null;
    }

    private bool ArgumentsMayRaise(LogicalWindow window) =>
        window.RaisingArguments.Count > 0 || window.Functions.Any(f => f.Function.Args.Any(a => !cannotRaise(a)));

    /// <summary>The window whose function <paramref name="conjunct"/> makes a run condition of, or null.</summary>
    private LogicalWindow? RunConditionWindow(BoundExpr conjunct, Dictionary<int, BoundExpr> outputs, List<LogicalWindow> windows)
    {
        if (conjunct is not BoundFuncCall { Args: [var a, var b] } call || Comparison(call) is not { } op) return null;
        foreach (var (side, other, functionLeft) in new[] { (a, b, true), (b, a, false) })
        {
            if (other.ReferencedColumns().Any() || WindowFunctionOf(side, outputs, windows) is not { } found) continue;
            var (window, function) = found;
            var (increasing, decreasing) = Monotonic(window, function);
            bool matches = op switch
            {
                "<" or "<=" => functionLeft ? increasing : decreasing,
                ">" or ">=" => functionLeft ? decreasing : increasing,
                "=" => increasing || decreasing,
                _ => false,
            };
            if (matches) return window;
        }
        return null;
    }

    private string? Comparison(BoundFuncCall call)
    {
        if (catalog.OperatorOfFunction(call.FuncOid) is { } op) return op.Name is "<" or "<=" or ">" or ">=" or "=" ? op.Name : null;
        return null;
    }

    private static (LogicalWindow, BoundWindowFunction)? WindowFunctionOf(BoundExpr e, Dictionary<int, BoundExpr> outputs, List<LogicalWindow> windows)
    {
        for (int depth = 0; depth < 16; depth++)
        {
            while (e is BoundRelabel { Placeholder: false } r) e = r.Arg;
            if (e is not LogicalColumnRef c) return null;
            foreach (var w in windows)
                foreach (var f in w.Functions)
                    if (f.Column.Id == c.Column.Id) return (w, f.Function);
            if (!outputs.TryGetValue(c.Column.Id, out var next) || ReferenceEquals(next, e)) return null;
            e = next;
        }
        return null;
    }

    /// <summary>The support functions' SupportRequestWFuncMonotonic answers (windowfuncs.c, int8.c int8inc_support for count).</summary>
    private static (bool Increasing, bool Decreasing) Monotonic(LogicalWindow window, BoundWindowFunction function) => function.Kind switch
    {
        WindowFunctionKind.RowNumber or WindowFunctionKind.Rank or WindowFunctionKind.DenseRank
            or WindowFunctionKind.PercentRank or WindowFunctionKind.CumeDist or WindowFunctionKind.Ntile => (true, false),
        WindowFunctionKind.Aggregate when function.Name == "count" => window.OrderKeys.Count == 0
            ? (true, true)
            : (window.Frame.Start == WindowFrameBound.UnboundedPreceding, window.Frame.End == WindowFrameBound.UnboundedFollowing),
        _ => (false, false),
    };
}
