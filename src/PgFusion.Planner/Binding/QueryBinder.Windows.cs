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
    /// in PostgreSQL's order (<see cref="ActiveWindowsInPostgresOrder"/>), a sort on its keys unless the
    /// rows are in that order already, a projection of the arguments that can raise
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
        BoundExpr Remap(BoundExpr e) => e.RenameColumns(passThrough);
        // A key or argument: a column passed through, or a new column of the projection (which reads the plan's own columns).
        LogicalColumn ColumnOf(BoundExpr e, string name)
        {
            if (Remap(e) is LogicalColumnRef r) return r.Column;
            var column = _ids.New(name, e.Type);
            projections.Add(new NamedExpr(column, e));
            return column;
        }

        var windowsToBuild = new List<(List<LogicalSortKey> Sort, List<WindowSortKey> PathKeys, List<LogicalColumn> Partition, List<LogicalColumn> Order, WindowFrame Frame, List<NamedWindowFunction> Functions, List<NamedExpr> RaisingArgs)>();
        foreach (var winRef in ActiveWindowsInPostgresOrder(query, clauses, windows.Calls.Select(c => c.WinRef).Distinct().Order()))
        {
            var wc = clauses[winRef];
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
            windowsToBuild.Add((sort, PathKeys(wc), partition, order, frame, functions, raisingArgs));
        }

        plan = new LogicalProject(plan, projections);
        List<WindowSortKey>? sorted = null; // the keys the rows are in order of (after the last sort)
        foreach (var w in windowsToBuild)
        {
            // PostgreSQL sorts only when the window's keys are not a prefix of the order its input is
            // in (create_one_window_path's pathkeys_count_contained_in); a window over another without
            // a sort between them reads its rows as the lower one emits them.
            bool presorted = sorted is not null && w.PathKeys.Count <= sorted.Count && w.PathKeys.SequenceEqual(sorted.Take(w.PathKeys.Count));
            if (w.Sort.Count > 0 && !presorted)
            {
                plan = new LogicalSort(plan, w.Sort);
                sorted = w.PathKeys;
            }
            if (w.RaisingArgs.Count > 0) plan = WithWindowArguments(plan, w.RaisingArgs);
            plan = new LogicalWindow(plan, w.Partition, w.Order, w.Frame, w.Functions) { RaisingArguments = [.. w.RaisingArgs.Select(a => a.Column)] };
        }
        for (int i = 0; i < tleExprs.Count; i++) tleExprs[i] = Remap(tleExprs[i]);
        return plan;
    }

    /// <summary>
    /// Per target entry of a query level with window functions, whether a qual of the parent over
    /// that output may go into the level's WHERE (PostgreSQL 15 allpaths.c check_output_expressions):
    /// a resjunk entry never; otherwise only an entry whose ressortgroupref is in the PARTITION BY of
    /// every window clause (targetIsInAllPartitionLists: every clause of windowClause, used or not)
    /// and, under DISTINCT ON, also in the DISTINCT ON list (targetIsInSortList). The entry is the one
    /// the clause names, not one equal to it: of `g AS a, g AS b ... PARTITION BY g` only a is safe.
    /// (Volatile outputs, also unsafe, are never offloaded.)
    /// </summary>
    internal static bool[] WindowQualPushdownColumns(QueryTreeNode query, IReadOnlyList<QueryTreeNode> targetList)
    {
        var clauses = query.List("windowClause");
        var distinctOn = query.Bool("hasDistinctOn") ? query.List("distinctClause").Select(c => c.Int32("tleSortGroupRef")).ToHashSet() : null;
        return [.. targetList.Select(tle =>
        {
            if (tle.Bool("resjunk")) return false;
            int sortRef = tle.Int32("ressortgroupref");
            if (sortRef == 0) return false;
            if (distinctOn is not null && !distinctOn.Contains(sortRef)) return false;
            return clauses.All(wc => wc.List("partitionClause").Any(c => c.Int32("tleSortGroupRef") == sortRef));
        })];
    }

    /// <summary>A window sort key as PostgreSQL's planner compares them: the target entry, the sort operator, NULLS FIRST.</summary>
    private readonly record struct WindowSortKey(int SortGroupRef, uint SortOp, bool NullsFirst);

    private static WindowSortKey SortKeyOf(QueryTreeNode clause) => new(clause.Int32("tleSortGroupRef"), clause.UInt32("sortop"), clause.Bool("nulls_first"));

    /// <summary>
    /// A window clause's PARTITION BY then ORDER BY keys without the ORDER BY keys that repeat a
    /// PARTITION BY key (select_active_windows' uniqueOrder; the parser already removed repeats
    /// within each list).
    /// </summary>
    private static List<WindowSortKey> UniqueOrder(QueryTreeNode wc)
    {
        var keys = wc.List("partitionClause").Select(SortKeyOf).ToList();
        int partitionKeys = keys.Count;
        foreach (var clause in wc.List("orderClause"))
        {
            var key = SortKeyOf(clause);
            if (!keys.Take(partitionKeys).Contains(key)) keys.Add(key);
        }
        return keys;
    }

    /// <summary>
    /// The keys a window's sort orders by, as pathkeys (make_pathkeys_for_window): PARTITION BY then
    /// ORDER BY, a key on a target entry already sorted on dropped (the pathkey is redundant).
    /// </summary>
    private static List<WindowSortKey> PathKeys(QueryTreeNode wc)
    {
        var keys = new List<WindowSortKey>();
        foreach (var clause in wc.List("partitionClause").Concat(wc.List("orderClause")))
        {
            var key = SortKeyOf(clause);
            if (!keys.Any(k => k.SortGroupRef == key.SortGroupRef)) keys.Add(key);
        }
        return keys;
    }

    /// <summary>
    /// The window clauses functions use, in the order PostgreSQL 15 stacks their WindowAgg nodes
    /// from the bottom (planner.c select_active_windows): by common_prefix_cmp over each clause's
    /// <see cref="UniqueOrder"/>, key by key the higher tleSortGroupRef first, then the higher sort
    /// operator, then NULLS FIRST first; a clause whose keys are a prefix of another's after it. Ties
    /// keep the windowClause order (pg_qsort is an insertion sort below 7 elements, so stable there).
    /// This decides which window's arguments are evaluated first and which order its rows see.
    /// </summary>
    private static List<int> ActiveWindowsInPostgresOrder(QueryTreeNode query, Dictionary<int, QueryTreeNode> clauses, IEnumerable<int> winRefs)
    {
        var active = new List<(int WinRef, List<WindowSortKey> Keys)>();
        foreach (var winRef in winRefs)
        {
            if (!clauses.TryGetValue(winRef, out var wc)) throw query.Field("windowClause").Error($"no window clause has winref {winRef}");
            active.Add((winRef, UniqueOrder(wc)));
        }
        static int Compare(List<WindowSortKey> a, List<WindowSortKey> b)
        {
            for (int i = 0; i < Math.Min(a.Count, b.Count); i++)
            {
                var (x, y) = (a[i], b[i]);
                if (x.SortGroupRef != y.SortGroupRef) return x.SortGroupRef > y.SortGroupRef ? -1 : 1;
                if (x.SortOp != y.SortOp) return x.SortOp > y.SortOp ? -1 : 1;
                if (x.NullsFirst != y.NullsFirst) return x.NullsFirst ? -1 : 1;
            }
            return b.Count.CompareTo(a.Count);
        }
        // insertion sort, as pg_qsort sorts fewer than 7 elements (stable)
        for (int i = 1; i < active.Count; i++)
        {
            var item = active[i];
            int j = i;
            while (j > 0 && Compare(active[j - 1].Keys, item.Keys) > 0)
            {
                active[j] = active[j - 1];
                j--;
            }
            active[j] = item;
        }
        return [.. active.Select(a => a.WinRef)];
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
