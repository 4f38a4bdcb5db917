using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Binding;

// Window functions: one LogicalWindow per window clause a function uses, each over a sort by its
// PARTITION BY then ORDER BY keys, above the WHERE / grouping / HAVING and below the select list,
// DISTINCT, ORDER BY and LIMIT (PostgreSQL's WindowAgg nodes sit at the same place).
public sealed partial class QueryBinder
{
    // PostgreSQL 15 parsenodes.h FRAMEOPTION_* bits of WindowClause.frameOptions.
    private const int FrameRange = 0x2;
    private const int FrameRows = 0x4;
    private const int FrameGroups = 0x8;
    private const int FrameStartUnboundedPreceding = 0x20;
    private const int FrameEndUnboundedFollowing = 0x100;
    private const int FrameStartCurrentRow = 0x200;
    private const int FrameEndCurrentRow = 0x400;
    private const int FrameStartOffsetPreceding = 0x800;
    private const int FrameEndOffsetPreceding = 0x1000;
    private const int FrameStartOffsetFollowing = 0x2000;
    private const int FrameEndOffsetFollowing = 0x4000;
    private const int FrameExcludeCurrentRow = 0x8000;
    private const int FrameExcludeGroup = 0x10000;
    private const int FrameExcludeTies = 0x20000;

    /// <summary>
    /// Puts the window clauses' LogicalWindows over <paramref name="plan"/>: first one projection
    /// computing every key and every argument that is not a column and cannot raise (with the plan's columns passed
    /// through under new ids, which <paramref name="tleExprs"/> then read), then per window clause,
    /// in winref order, a sort on its keys, a projection of the arguments that can raise
    /// (QueryBinder.WindowArgumentsAboveSort) and the window. <paramref name="aboveGrouping"/> rewrites
    /// the arguments of a grouped query's window functions to read the group keys.
    /// </summary>
    private LogicalPlan BindWindows(QueryTreeNode query, IReadOnlyList<QueryTreeNode> targetList, List<BoundExpr> tleExprs, WindowCollector windows,
        LogicalPlan plan, ExpressionBinder binder, Func<BoundExpr, BoundExpr> aboveGrouping)
    {
        var clauses = new Dictionary<int, QueryTreeNode>();
        foreach (var wc in query.List("windowClause"))
        {
            if (wc.RequireKind() != "WINDOWCLAUSE") throw wc.Error($"expected WINDOWCLAUSE, found {wc.Kind}");
            clauses[wc.Int32("winref")] = wc;
        }

        var projections = new List<NamedExpr>();
        var passThrough = new Dictionary<int, LogicalColumn>();
        foreach (var c in plan.Output)
        {
            var column = _ids.New(c.Name, c.Type);
            projections.Add(new NamedExpr(column, new LogicalColumnRef(c)));
            passThrough[c.Id] = column;
        }
        BoundExpr Remap(BoundExpr e) => e.TransformUp(x => x is LogicalColumnRef r && passThrough.TryGetValue(r.Column.Id, out var n) ? new LogicalColumnRef(n) : x);
        // A key or argument: a column passed through, or a new column of the projection (which reads the plan's own columns).
        LogicalColumn ColumnOf(BoundExpr e, string name)
        {
            if (Remap(e) is LogicalColumnRef r) return r.Column;
            var column = _ids.New(name, e.Type);
            projections.Add(new NamedExpr(column, e));
            return column;
        }

        var windowsToBuild = new List<(List<LogicalSortKey> Sort, List<LogicalColumn> Partition, List<LogicalColumn> Order, WindowFrame Frame, List<NamedWindowFunction> Functions, List<NamedExpr> RaisingArgs)>();
        foreach (var winRef in windows.Calls.Select(c => c.WinRef).Distinct().Order())
        {
            if (!clauses.TryGetValue(winRef, out var wc)) throw query.Field("windowClause").Error($"no window clause has winref {winRef}");
            var sort = new List<LogicalSortKey>();
            var partition = new List<LogicalColumn>();
            var order = new List<LogicalColumn>();
            foreach (var (list, keys) in new[] { ("partitionClause", partition), ("orderClause", order) })
            {
                foreach (var clause in wc.List(list))
                {
                    int i = TargetIndexFor(clause, targetList);
                    var column = ColumnOf(tleExprs[i], list == "partitionClause" ? "partition_key" : "order_key");
                    bool descending = SortDescending(clause, targetList[i].Field("expr"), column.Type.Oid);
                    keys.Add(column);
                    sort.Add(new LogicalSortKey(new LogicalColumnRef(column), descending, clause.Bool("nulls_first")));
                }
            }
            var frame = Frame(wc, binder, order, sort);
            foreach (var (_, call) in windows.Calls.Where(c => c.WinRef == winRef))
                RejectLazyArgumentsThatMayRaise(call.Function, [.. call.Function.Args.Select(aboveGrouping)], frame);
            // An argument that can raise is computed right below the window, above the clause's
            // sort, as PostgreSQL's WindowAgg evaluates it (QueryBinder.WindowArgumentsAboveSort); one
            // that cannot raise is computed once below every sort, with the keys.
            var raisingArgs = new List<NamedExpr>();
            LogicalColumn ArgumentColumn(BoundExpr arg)
            {
                if (WindowArgumentCannotRaise(arg)) return ColumnOf(arg, "window_arg");
                var column = _ids.New("window_arg", arg.Type);
                raisingArgs.Add(new NamedExpr(column, Remap(arg)));
                return column;
            }
            var functions = windows.Calls.Where(c => c.WinRef == winRef)
                .Select(c => c.Call with { Function = c.Call.Function.WithArgs([.. c.Call.Function.Args.Select(a => (BoundExpr)new LogicalColumnRef(ArgumentColumn(aboveGrouping(a))))]) })
                .ToList();
            windowsToBuild.Add((sort, partition, order, frame, functions, raisingArgs));
        }

        plan = new LogicalProject(plan, projections);
        foreach (var w in windowsToBuild)
        {
            if (w.Sort.Count > 0) plan = new LogicalSort(plan, w.Sort);
            if (w.RaisingArgs.Count > 0) plan = WithWindowArguments(plan, w.RaisingArgs);
            plan = new LogicalWindow(plan, w.Partition, w.Order, w.Frame, w.Functions) { RaisingArguments = [.. w.RaisingArgs.Select(a => a.Column)] };
        }
        for (int i = 0; i < tleExprs.Count; i++) tleExprs[i] = Remap(tleExprs[i]);
        return plan;
    }

    /// <summary>
    /// The frame of a window clause. ROWS and GROUPS take any constant offsets; RANGE takes offsets
    /// only over one int2/int4/int8 ORDER BY key (PostgreSQL requires exactly one key; the in_range
    /// functions of other types are not done here). EXCLUDE and non-constant or invalid offsets are unsupported.
    /// </summary>
    private static WindowFrame Frame(QueryTreeNode wc, ExpressionBinder binder, IReadOnlyList<LogicalColumn> orderKeys, IReadOnlyList<LogicalSortKey> sort)
    {
        int options = wc.Int32("frameOptions");
        if ((options & FrameExcludeCurrentRow) != 0) throw UnsupportedConstructException.NotYet("window frame EXCLUDE CURRENT ROW");
        if ((options & FrameExcludeGroup) != 0) throw UnsupportedConstructException.NotYet("window frame EXCLUDE GROUP");
        if ((options & FrameExcludeTies) != 0) throw UnsupportedConstructException.NotYet("window frame EXCLUDE TIES");
        var mode = (options & FrameRows) != 0 ? WindowFrameMode.Rows
            : (options & FrameGroups) != 0 ? WindowFrameMode.Groups
            : (options & FrameRange) != 0 ? WindowFrameMode.Range
            : throw wc.Field("frameOptions").Error($"frameOptions {options} names no frame mode");
        const int offsets = FrameStartOffsetPreceding | FrameStartOffsetFollowing | FrameEndOffsetPreceding | FrameEndOffsetFollowing;
        bool descending = false;
        if (mode == WindowFrameMode.Range && (options & offsets) != 0)
        {
            if (orderKeys.Count != 1) throw wc.Error($"RANGE with an offset needs exactly one ORDER BY key, found {orderKeys.Count}");
            if (orderKeys[0].Type.Oid is not (Types.PgTypeOid.Int2 or Types.PgTypeOid.Int4 or Types.PgTypeOid.Int8))
                throw UnsupportedConstructException.NotYet($"window frame in RANGE mode with an offset (PRECEDING/FOLLOWING n) over an ORDER BY key of type {orderKeys[0].Type} (only int2, int4 and int8)");
            descending = sort[^1].Descending;
        }
        var (start, startOffset) = (options & FrameStartUnboundedPreceding) != 0 ? (WindowFrameBound.UnboundedPreceding, 0L)
            : (options & FrameStartCurrentRow) != 0 ? (WindowFrameBound.CurrentRow, 0L)
            : (options & FrameStartOffsetPreceding) != 0 ? (WindowFrameBound.OffsetPreceding, FrameOffset(wc, "startOffset", binder))
            : (options & FrameStartOffsetFollowing) != 0 ? (WindowFrameBound.OffsetFollowing, FrameOffset(wc, "startOffset", binder))
            : throw UnsupportedConstructException.NotYet($"window frame start of frameOptions {options}");
        var (end, endOffset) = (options & FrameEndUnboundedFollowing) != 0 ? (WindowFrameBound.UnboundedFollowing, 0L)
            : (options & FrameEndCurrentRow) != 0 ? (WindowFrameBound.CurrentRow, 0L)
            : (options & FrameEndOffsetPreceding) != 0 ? (WindowFrameBound.OffsetPreceding, FrameOffset(wc, "endOffset", binder))
            : (options & FrameEndOffsetFollowing) != 0 ? (WindowFrameBound.OffsetFollowing, FrameOffset(wc, "endOffset", binder))
            : throw UnsupportedConstructException.NotYet($"window frame end of frameOptions {options}");
        return new WindowFrame(mode, start, startOffset, end, endOffset, descending);
    }

    /// <summary>A frame offset: a constant integer (ROWS / GROUPS counts are int8; RANGE offsets over an integer key are int2/int4/int8) (PostgreSQL raises the error for a NULL or negative one, so those stay with it).</summary>
    private static long FrameOffset(QueryTreeNode wc, string field, ExpressionBinder binder)
    {
        if (wc.Optional(field) is not { } node) throw wc.Error($"{field} is missing for an offset frame bound");
        var expr = binder.Bind(node);
        object? value = expr switch
        {
            BoundConst c => c.Value,
            BoundFuncCall { FuncOid: 481 or 754, Args: [BoundConst c] } => c.Value,
            _ => throw UnsupportedConstructException.NotYet("window frame offset that is not a constant"),
        };
        return value switch
        {
            long l when l >= 0 => l,
            int i when i >= 0 => i,
            short s when s >= 0 => s,
            null => throw UnsupportedConstructException.NotYet("window frame offset NULL (PostgreSQL raises the error)"),
            _ => throw UnsupportedConstructException.NotYet("negative window frame offset (PostgreSQL raises the error)"),
        };
    }
}
