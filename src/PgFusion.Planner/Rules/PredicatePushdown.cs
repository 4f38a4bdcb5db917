using PgFusion.Types;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Moves filter conjuncts down to the lowest operator that sees their columns, by the outer-join
/// rules: a WHERE conjunct goes into a join's preserved input (either input of an inner join;
/// one that reads both inputs of an inner join joins its condition); an ON conjunct goes into the
/// input whose rows it may drop (either input of an inner join, the NULL-extended input of an
/// outer join, the right input of a semi or anti join). Conjuncts that read no column stay put.
/// A filter over a pulled-up sub-query's select list goes below it, with the outputs substituted;
/// a select list over one absorbs it (the outputs substituted into its expressions).
/// </summary>
/// <param name="cannotRaise">Whether a conjunct can never raise an error (<see cref="CannotRaise"/>): such
/// a conjunct may run before the quals PostgreSQL orders first. Without it, none is assumed safe.</param>
/// <param name="ordering">PostgreSQL's qual order (<see cref="QualOrdering"/>): with it, a WHERE conjunct
/// PostgreSQL evaluates after a correlated EXISTS SubPlan that costs nothing stays above the
/// EXISTS' mark join (<see cref="HeldAboveFreeSubPlan"/>) or a hashed NOT IN's anti join (<see cref="HeldAboveHashedNotIn"/>).</param>
/// <param name="hashMemKb">The session's work_mem × hash_mem_multiplier in kB, which decides whether
/// PostgreSQL hashes a NOT IN sub-query; PostgreSQL's defaults (8192) when null.</param>
public sealed class PredicatePushdown(Func<BoundExpr, bool>? cannotRaise = null, QualOrdering? ordering = null, double? hashMemKb = null) : IRewriteRule
{
    public string Name => "predicate_pushdown";

    public LogicalPlan Apply(LogicalPlan plan) => Push(plan);

    private LogicalPlan Push(LogicalPlan plan)
    {
        switch (plan)
        {
            case LogicalFilter { Input: LogicalFilter inner } outer:
                return Push(inner with { Predicate = PredicateSimplification.Conjunction([.. Conjuncts(inner.Predicate), .. Conjuncts(outer.Predicate)]) });
            case LogicalJoin { LateralInner: true, Kind: LogicalJoinType.Inner } lateralJoin when HeldLateralCondition(lateralJoin, out var rest) is { } moved:
                // The ON conjuncts of an inner LATERAL join that must be tested on the joined rows
                // are WHERE conjuncts to PostgreSQL: held the same way (LateralHeldFilters).
                return Push(new LogicalFilter(rest, PredicateSimplification.Conjunction(moved)));
            case LogicalFilter { Input: LogicalJoin join } filter:
            {
                // The join's own ON conjuncts first: deconstruct_jointree distributes a join's
                // quals before the WHERE quals above it, so in a relation's restriction list (and
                // among quals of equal cost) an ON qual comes before a WHERE qual.
                var remaining = new List<BoundExpr>();
                var conjuncts = Conjuncts(filter.Predicate);
                if (join is { LateralInner: true, Kind: LogicalJoinType.Inner } && HeldLateralCondition(join, out var restJoin) is { } fromOn)
                {
                    join = restJoin;
                    conjuncts = [.. fromOn, .. conjuncts];
                }
                var lateralHeld = LateralHeldFilters(join, conjuncts, remaining);
                if (lateralHeld is not null) conjuncts = conjuncts.Where(c => !lateralHeld.Contains(c)).ToList();
                LogicalPlan pushed = PushWhere(PushOn(join), conjuncts, remaining);
                // A WHERE conjunct that reads no column but calls a stable function (it does not fold) is a
                // pseudoconstant to PostgreSQL: the One-Time Filter of a gating Result above the whole join
                // tree (distribute_qual_to_rels gives it the query's relids; create_gating_plan), evaluated
                // once before any scan runs. It stays above the join (in remaining), where OneTimeFilter
                // makes it a one-time filter that is evaluated before the join's inputs are opened, so a
                // gate that keeps no row runs no scan's quals (seed 532 case 324: a pushed-down
                // `a.c1 + -87` overflowed on a row PostgreSQL never read) and a gate that raises raises
                // even when no input has a row (seed 525 case 1224).
                var result = Push(pushed);
                // A LATERAL sub-query's held conjuncts, each group a filter of its own over the join, in
                // PostgreSQL's order: the ones it pushes into the sub-query, then its scan's filter, then the rest.
                if (lateralHeld is not null)
                    foreach (var group in lateralHeld.Groups)
                        if (group.Count > 0) result = new LogicalFilter(result, PredicateSimplification.Conjunction(group));
                // A HAVING over the joins of select-list or HAVING sub-queries stays a HAVING, over grouping
                // sets too (OneTimeFilter copies a constant one into the WHERE, but not over grouping sets,
                // where PostgreSQL aggregates every row first: seed 770 case 1745).
                return remaining.Count == 0 ? result : filter with { Input = result, Predicate = PredicateSimplification.Conjunction(remaining) };
            }
            case LogicalFilter { Having: false, OneTime: false, Input: LogicalProject { WindowQualPushdownColumns: { } safeColumns } select } filter
                when PushBelowWindows(filter, select, safeColumns) is { } belowWindows:
                return belowWindows;
            case LogicalFilter { Input: LogicalProject { KeepAll: false } project } filter
                when project.Input is LogicalScan or LogicalFilter or LogicalJoin or LogicalProject or LogicalUnionAll { QualPushdownColumns: not null } or LogicalSetOp { QualPushdownColumns: not null }:
            {
                // (Over a set operation's UNION [ALL], the select list reads its columns: the quals then go into its arms.)
                // The select list of a plain SELECT-FROM-WHERE sub-query (or inlined CTE), which
                // PostgreSQL pulls up: its outputs are substituted into the parent's quals, which then
                // filter the sub-query's rows before any other output is computed, so an output
                // that raises is evaluated only on the rows the quals keep. (Sub-queries with LIMIT,
                // ORDER BY, aggregates, DISTINCT or set operations are not pulled up; a materialized
                // CTE computes every output first.)
                // An output that reads no column is still here (not substituted and folded while
                // binding) where PostgreSQL wraps it in a PlaceHolderVar, which the qual's cost does not count.
                var outputs = project.Exprs.ToDictionary(e => e.Column.Id, e => e.Expr.ReferencedColumns().Any() ? e.Expr : new BoundRelabel(e.Expr, e.Expr.Type) { Placeholder = true });
                var predicate = filter.Predicate.ReplaceColumns(outputs);
                return Push(project with { Input = new LogicalFilter(project.Input, predicate) });
            }
            case LogicalProject { Input: LogicalProject { KeepAll: false } inner } outer when inner.Input is LogicalScan or LogicalFilter or LogicalJoin or LogicalProject:
            {
                // A select list over a pulled-up sub-query's select list: PostgreSQL substitutes the
                // outputs into the parent's expressions, so an output is computed only where the
                // parent evaluates it (not in a CASE arm or OR operand it skips for a row).
                var outputs = inner.Exprs.ToDictionary(e => e.Column.Id, e => e.Expr);
                var exprs = outer.Exprs.Select(e => e with { Expr = e.Expr.ReplaceColumns(outputs) }).ToList();
                return Push(outer with { Input = inner.Input, Exprs = exprs });
            }
            case LogicalFilter { Having: false, OneTime: false } filter when PushIntoGrouping(filter) is { } pushed:
                return pushed;
            case LogicalFilter { Having: true, OverGroupingSets: false, OneTime: false } filter when MoveHavingToWhere(filter) is { } moved:
                return moved;
            case LogicalFilter { Having: false, OneTime: false, Input: LogicalUnionAll { QualPushdownColumns: { } safe } union } filter
                when PushIntoSetOperation(filter, union.Inputs, union.Columns, safe, arms => union with { Inputs = arms }) is { } intoArms:
                return intoArms;
            case LogicalFilter { Having: false, OneTime: false, Input: LogicalSetOp { QualPushdownColumns: { } safe } setOp } filter
                when PushIntoSetOperation(filter, [setOp.Left, setOp.Right], setOp.Columns, safe, arms => setOp with { Left = arms[0], Right = arms[1] }) is { } intoInputs:
                return intoInputs;
            case LogicalFilter { Having: false, OneTime: false, Input: LogicalSort { Limit: null } sort } filter:
                // A sub-query with ORDER BY (no LIMIT): PostgreSQL pushes the quals into its WHERE.
                return Push(sort with { Input = new LogicalFilter(sort.Input, filter.Predicate) });
            case LogicalJoin join:
                return PushOn(join).MapChildren(Push);
            default:
                return plan.MapChildren(Push);
        }
    }

    /// <summary>
    /// A filter over a grouped sub-query (GROUP BY or DISTINCT, with or without its select list):
    /// PostgreSQL pushes the quals into the sub-query's HAVING (set_subquery_pathlist), and
    /// subquery_planner moves each that reads no aggregate to WHERE, after the sub-query's own WHERE
    /// quals, where the table's restriction list orders them with those. So the conjuncts reading
    /// group keys only go below the aggregate (the keys' expressions substituted), in their order,
    /// and the rest stay above. Null when none goes below.
    /// </summary>
    private LogicalPlan? PushIntoGrouping(LogicalFilter filter)
    {
        var project = filter.Input as LogicalProject;
        if (project is { KeepAll: true }) return null;
        if ((project?.Input ?? filter.Input) is not LogicalAggregate { GroupKeys.Count: > 0 } aggregate) return null;
        var (below, above) = SplitOnGroupKeys(filter.Predicate, aggregate, project?.Exprs.ToDictionary(e => e.Column.Id, e => e.Expr));
        if (below.Count == 0) return null;
        LogicalPlan grouped = aggregate with { Input = new LogicalFilter(aggregate.Input, PredicateSimplification.Conjunction(below)) };
        var result = Push(project is null ? grouped : project with { Input = grouped });
        return above.Count == 0 ? result : new LogicalFilter(result, PredicateSimplification.Conjunction(above));
    }

    /// <summary>
    /// A filter over the select list of a sub-query with window functions: PostgreSQL 15's
    /// set_subquery_pathlist pushes each qual that reads only outputs in every window's PARTITION BY
    /// (<see cref="LogicalProject.WindowQualPushdownColumns"/>) into the sub-query's WHERE (HAVING when
    /// it is grouped), the outputs substituted, so it drops whole partitions before any window
    /// function reads an argument of theirs (`s.g &lt;&gt; 1` keeps `sum(10 / v) OVER (PARTITION BY g)`
    /// from dividing by group 1's zero). The conjuncts reading other outputs (a window function's
    /// column among them: a run condition is PostgreSQL's only use of those) stay above. Null when
    /// none goes below.
    /// </summary>
    private LogicalPlan? PushBelowWindows(LogicalFilter filter, LogicalProject select, IReadOnlyList<bool> safeColumns)
    {
        var safe = select.Exprs.Where((_, i) => i < safeColumns.Count && safeColumns[i]).Select(e => e.Column.Id).ToHashSet();
        var (below, above) = SplitOnColumns(filter.Predicate, safe);
        if (below.Count == 0) return null;
        var outputs = select.Exprs.ToDictionary(e => e.Column.Id, e => e.Expr);
        var predicate = PredicateSimplification.Conjunction([.. below.Select(c => c.ReplaceColumns(outputs))]);
        if (IntoWindowInput(select.Input, predicate) is not { } input) return null;
        LogicalPlan result = select with { Input = input };
        return above.Count == 0 ? result : filter with { Input = result, Predicate = PredicateSimplification.Conjunction(above) };
    }

    /// <summary>
    /// <paramref name="plan"/> (the windows of one query level with their sorts and argument
    /// projections) with <paramref name="predicate"/> below all of them, over what the windows read;
    /// null when a window does not pass every column the predicate reads.
    /// </summary>
    private LogicalPlan? IntoWindowInput(LogicalPlan plan, BoundExpr predicate)
    {
        switch (plan)
        {
            case LogicalWindow window:
                if (!ColumnIds.ReferencedBy(predicate).IsSubsetOf(Ids(window.Input))) return null;
                return IntoWindowInput(window.Input, predicate) is { } windowInput ? window with { Input = windowInput } : null;
            // a window's sort, over the projection of the keys (or over the window below)
            case LogicalSort { Limit: null } sort when sort.Input is LogicalProject or LogicalWindow:
                return IntoWindowInput(sort.Input, predicate) is { } sortInput ? sort with { Input = sortInput } : null;
            // the projection of a window's arguments that can raise, over its sort or the window below
            case LogicalProject { KeepAll: false } project when project.Input is LogicalSort or LogicalWindow:
            {
                var outputs = project.Exprs.ToDictionary(e => e.Column.Id, e => e.Expr);
                var substituted = predicate.ReplaceColumns(outputs);
                return IntoWindowInput(project.Input, substituted) is { } projectInput ? project with { Input = projectInput } : null;
            }
            default:
                // The projection of the keys and arguments below the windows: the sub-query's WHERE
                // (or grouping) is beneath it, where the other rules take the filter.
                return Push(new LogicalFilter(plan, predicate));
        }
    }

    /// <summary>
    /// A filter over a UNION [ALL] or INTERSECT sub-query: set_subquery_pathlist (or, for a UNION ALL flattened into an
    /// appendrel, set_append_rel_size) pushes each qual reading only safe columns
    /// (<see cref="LogicalUnionAll.QualPushdownColumns"/>) into every arm, the arm's output expressions
    /// substituted, after the arm's own WHERE quals (subquery_push_qual), where the arm's scan orders
    /// them with those by cost: `s.k &lt;&gt; 1` drops a row before the arm's `10 / v` divides by its
    /// zero, and an arm's output that raises is computed only on the rows the quals keep. The other
    /// conjuncts stay above. Null when none goes into the arms.
    /// </summary>
    private LogicalPlan? PushIntoSetOperation(LogicalFilter filter, IReadOnlyList<LogicalPlan> inputs, IReadOnlyList<LogicalColumn> columns, IReadOnlyList<bool> safeColumns, Func<List<LogicalPlan>, LogicalPlan> rebuild)
    {
        var safe = columns.Select((c, i) => (c.Id, Safe: safeColumns[i])).Where(x => x.Safe).Select(x => x.Id).ToHashSet();
        var (below, above) = SplitOnColumns(filter.Predicate, safe);
        if (below.Count == 0) return null;
        var arms = inputs.Select(arm =>
        {
            var armColumns = columns.Select((c, i) => (c.Id, Arm: arm.Output[i])).ToDictionary(x => x.Id, x => x.Arm);
            var predicate = PredicateSimplification.Conjunction([.. below.Select(c => c.RenameColumns(armColumns))]);
            return Push(new LogicalFilter(arm, predicate));
        }).ToList();
        var result = rebuild(arms);
        return above.Count == 0 ? result : new LogicalFilter(result, PredicateSimplification.Conjunction(above));
    }

    /// <summary>
    /// A HAVING over GROUP BY (no grouping sets): subquery_planner moves each qual without aggregates,
    /// volatile functions or sub-plans to the end of the WHERE quals, so PostgreSQL tests it on every
    /// input row before aggregating, ordered with the WHERE quals of the relation it reads (a
    /// `GROUP BY g HAVING g &lt;&gt; 1` drops the rows of group 1 before `10 / v` divides by their zero).
    /// The conjuncts reading group keys only go below the aggregate (the keys' expressions substituted),
    /// after its input's filter; the rest stay above, still a HAVING. The aggregate is the filter's input
    /// or the left input of the joins of sub-queries evaluated over the groups. Null when none moves.
    /// (With grouping sets the quals stay in HAVING; without GROUP BY a qual without aggregates reads no
    /// column of the level, and PostgreSQL copies it to WHERE as a gate: not modelled.)
    /// </summary>
    private LogicalPlan? MoveHavingToWhere(LogicalFilter filter)
    {
        LogicalAggregate? Grouping(LogicalPlan p) => p switch
        {
            LogicalAggregate { GroupKeys.Count: > 0 } a => a,
            LogicalJoin j => Grouping(j.Left),
            _ => null,
        };
        if (Grouping(filter.Input) is not { } aggregate) return null;
        var (below, above) = SplitOnGroupKeys(filter.Predicate, aggregate);
        if (below.Count == 0) return null;
        LogicalPlan Replace(LogicalPlan p) => p switch
        {
            LogicalAggregate a when ReferenceEquals(a, aggregate) => a with { Input = new LogicalFilter(a.Input, PredicateSimplification.Conjunction(below)) },
            LogicalJoin j => j with { Left = Replace(j.Left) },
            _ => p,
        };
        var result = Push(Replace(filter.Input));
        return above.Count == 0 ? result : new LogicalFilter(result, PredicateSimplification.Conjunction(above)) { Having = true };
    }

    /// <summary>The conjuncts that read some column and only columns of <paramref name="safe"/> (below), and the others (above), each in written order.</summary>
    private static (List<BoundExpr> Below, List<BoundExpr> Above) SplitOnColumns(BoundExpr predicate, HashSet<int> safe)
    {
        var below = new List<BoundExpr>();
        var above = new List<BoundExpr>();
        foreach (var c in Conjuncts(predicate))
        {
            var refs = ColumnIds.ReferencedBy(c);
            if (refs.Count > 0 && refs.All(safe.Contains)) below.Add(c);
            else above.Add(c);
        }
        return (below, above);
    }

    /// <summary>
    /// The conjuncts of <paramref name="predicate"/> that read group keys of <paramref name="aggregate"/>
    /// only (and at least one), rewritten over the keys' expressions to be tested below it, and the
    /// others as written. <paramref name="outputs"/>, a select list over the aggregate, is substituted
    /// into each conjunct first.
    /// </summary>
    private static (List<BoundExpr> Below, List<BoundExpr> Above) SplitOnGroupKeys(BoundExpr predicate, LogicalAggregate aggregate, Dictionary<int, BoundExpr>? outputs = null)
    {
        var keys = aggregate.GroupKeys.ToDictionary(k => k.Column.Id, k => k.Expr);
        var below = new List<BoundExpr>();
        var above = new List<BoundExpr>();
        foreach (var c in Conjuncts(predicate))
        {
            var substituted = outputs is null ? c : c.ReplaceColumns(outputs);
            var refs = ColumnIds.ReferencedBy(substituted);
            if (refs.Count > 0 && refs.All(keys.ContainsKey))
                below.Add(substituted.ReplaceColumns(keys));
            else
                above.Add(c);
        }
        return (below, above);
    }

    /// <summary>
    /// <paramref name="conjuncts"/> first in the filter of every leaf under <paramref name="plan"/>
    /// (a new filter over a leaf without one); a conjunct the leaf's filter already holds is not
    /// added again. A subtree <paramref name="stop"/> accepts is left as it is.
    /// </summary>
    internal static LogicalPlan PrependToLeaves(LogicalPlan plan, IReadOnlyList<BoundExpr> conjuncts, Func<LogicalPlan, bool>? stop = null) => plan switch
    {
        _ when stop?.Invoke(plan) == true => plan,
        LogicalFilter { Input.Children.Count: 0 } f => Conjuncts(f.Predicate) is var own && conjuncts.Where(c => !own.Contains(c, BoundExprComparer.Instance)).ToList() is var missing && missing.Count == 0
            ? f
            : f with { Predicate = PredicateSimplification.Conjunction([.. missing, .. own]) },
        _ when plan.Children.Count == 0 => new LogicalFilter(plan, PredicateSimplification.Conjunction(conjuncts)),
        _ => plan.MapChildren(c => PrependToLeaves(c, conjuncts, stop)),
    };

    /// <summary>WHERE conjuncts over a join: into an input, into an inner join's condition, or left in <paramref name="remaining"/>.</summary>
    private LogicalJoin PushWhere(LogicalJoin join, IReadOnlyList<BoundExpr> conjuncts, List<BoundExpr> remaining)
    {
        if (IsScanWithInitPlanMark(join))
        {
            // An uncorrelated EXISTS / IN inside an expression is an InitPlan Param to PostgreSQL,
            // costing nothing, so the qual holding it is ordered among the scan's other quals. Its
            // one-row mark side is joined to the scan first and every conjunct stays in one filter
            // above, which QualOrdering orders as the scan's restriction list. So does an
            // uncorrelated scalar sub-query (an InitPlan Param too): a conjunct must not run
            // before one that reads the sub-query's value and comes first in the scan's quals.
            // A conjunct that can never raise may still go below (its place in the order is not observable).
            // A conjunct reading only sub-queries' outputs is pseudoconstant: PostgreSQL's
            // gating One-Time Filter, evaluated (running the InitPlans) before the scan's first row.
            var chainMarkIds = InitPlanChain(join).SelectMany(j => Ids(j.Right)).ToHashSet();
            var gates = conjuncts.Where(c => c.ReferencedColumns().Any() && c.ReferencedColumns().All(x => chainMarkIds.Contains(x.Id))).ToList();
            if (gates.Count > 0)
            {
                join = GateOver(join, gates);
                conjuncts = conjuncts.Where(c => !gates.Contains(c)).ToList();
                if (conjuncts.Count == 0) return join;
            }
            var markIds = Ids(join.Right);
            if (conjuncts.Any(c => c.ReferencedColumns().Any(x => markIds.Contains(x.Id))))
            {
                var safe = new List<BoundExpr>();
                foreach (var c in conjuncts)
                {
                    if (cannotRaise is not null && c.ReferencedColumns().Any() && !c.ReferencedColumns().Any(x => markIds.Contains(x.Id)) && cannotRaise(c)) safe.Add(c);
                    else remaining.Add(c);
                }
                return safe.Count == 0 ? join : PushWhere(join, safe, remaining);
            }
        }
        // Held conjuncts stay above in their place among the ones that read the mark (the written order breaks cost ties).
        var held = HeldAboveFreeSubPlan(join, conjuncts) ?? HeldAboveHashedNotIn(join, conjuncts) ?? [];
        // A domain join's condition: its correlation conjuncts and the ones held with them, in PostgreSQL's order.
        var domainCondition = DomainJoinCondition(join, conjuncts);
        var left = Ids(join.Left);
        var right = Ids(join.Right);
        var toLeft = new List<BoundExpr>();
        var toRight = new List<BoundExpr>();
        var toCondition = new List<BoundExpr>();
        foreach (var c in conjuncts)
        {
            if (held.Contains(c))
            {
                remaining.Add(c);
                continue;
            }
            if (domainCondition is not null && domainCondition.Contains(c))
            {
                toCondition.Add(c);
                continue;
            }
            var refs = ColumnIds.ReferencedBy(c);
            bool inLeft = refs.Count > 0 && refs.IsSubsetOf(left);
            bool inRight = refs.Count > 0 && refs.IsSubsetOf(right);
            switch (join.Kind)
            {
                case LogicalJoinType.Inner when inLeft: toLeft.Add(c); break;
                case LogicalJoinType.Inner when inRight: toRight.Add(c); break;
                case LogicalJoinType.Inner when refs.Count > 0: toCondition.Add(c); break;
                case LogicalJoinType.Left or LogicalJoinType.Semi or LogicalJoinType.Anti or LogicalJoinType.NullAwareAnti when inLeft: toLeft.Add(c); break;
                case LogicalJoinType.Right when inRight: toRight.Add(c); break;
                default: remaining.Add(c); break;
            }
        }
        if (domainCondition is not null) toCondition = [.. domainCondition.Where(toCondition.Contains)];
        return Rebuild(join, toLeft, toRight, join.Condition is null ? toCondition : [.. Conjuncts(join.Condition), .. toCondition]);
    }

    /// <summary>
    /// Over a domain join (<see cref="LogicalJoin.Domain"/>) whose sub-query reads one table, the
    /// conjuncts of that table's quals as PostgreSQL orders them (listed as a base relation's, then by
    /// cost; the conjuncts reading the domain are its quals over Params) from the first correlation
    /// conjunct on, when from there one can raise: the correlation conjuncts and, from the first
    /// conjunct at or after the first correlation one that can raise, every other one. PostgreSQL
    /// tests those only on rows that passed the correlation test before them (seed 389 case 1744:
    /// `b.id &lt; a.c5` before `2 - (date 'infinity' - b.c2) &lt;= b.id`, which raises 22008 for every
    /// row), so they stay in the join's condition instead of going into the sub-query's scan. Null
    /// when nothing is held (the correlation conjuncts join the condition as usual).
    /// </summary>
    private List<BoundExpr>? DomainJoinCondition(LogicalJoin join, IReadOnlyList<BoundExpr> conjuncts)
    {
        if (ordering is null || !join.Domain || join.Kind != LogicalJoinType.Inner || !IsScanLike(join.Right)) return null;
        var domain = Ids(join.Left);
        bool ReadsDomain(BoundExpr c) => c.ReferencedColumns().Any(r => domain.Contains(r.Id));
        // The scan's quals: a conjunct reading the domain only is a pseudoconstant to PostgreSQL (a gate), not among them.
        var quals = conjuncts.Where(c => c.ReferencedColumns().Any(r => !domain.Contains(r.Id))).ToList();
        var ordered = ordering.Listed(quals, baseRelation: true).OrderBy(ordering.Cost).ToList();
        int first = ordered.FindIndex(ReadsDomain);
        if (first < 0) return null;
        int raising = ordered.FindIndex(first, c => cannotRaise?.Invoke(c) != true);
        if (raising < 0 || !ordered.Skip(raising).Any(c => !ReadsDomain(c))) return null;
        return [.. ordered.Where((c, i) => ReadsDomain(c) || i >= raising)];
    }

    /// <summary>
    /// A correlated EXISTS inside an expression (under OR, NOT) is a plain SubPlan to PostgreSQL, tested
    /// inside the qual list of the scan whose column it reads, and ordered there by cost_qual_eval,
    /// which charges it cost_subplan: for EXISTS, the sub-plan's run cost per row it returns plus its
    /// startup cost. Over a table ANALYZE found empty (relpages and reltuples 0) that plan, a sequential
    /// scan, costs nothing, so the qual holding the EXISTS can come before a costlier qual of the same
    /// scan and reject a row before that qual raises (seed 291 case 1651). pg_fusion binds the EXISTS
    /// as a left join of a bool_or mark; a conjunct PostgreSQL orders after a conjunct reading the
    /// mark (it costs more, or as much and comes later) must not be pushed below the mark join then,
    /// unless it can never raise. Over any other table the sub-plan costs at least a page read (1.0,
    /// hundreds of operators), so it runs last and everything may go below. These conjuncts (in their
    /// order), or null.
    /// </summary>
    private List<BoundExpr>? HeldAboveFreeSubPlan(LogicalJoin join, IReadOnlyList<BoundExpr> conjuncts)
    {
        if (ordering is null || !IsFreeExistsMarkJoin(join, out var mark)) return null;
        var markIds = mark.Aggregates.Select(a => a.Column.Id).ToHashSet();
        var rightIds = Ids(join.Right);
        // In the order PostgreSQL lists a base relation's quals, which breaks cost ties.
        var listed = ordering.Listed(conjuncts, baseRelation: IsScanLike(join.Left));
        var marked = listed.Select((c, i) => (c, i)).Where(x => x.c.ReferencedColumns().Any(r => markIds.Contains(r.Id))).ToList();
        if (marked.Count == 0) return null;
        // The mark's own conjuncts read nothing of the right side but the marker (else they are no EXISTS test).
        if (marked.Any(x => x.c.ReferencedColumns().Any(r => rightIds.Contains(r.Id) && !markIds.Contains(r.Id)))) return null;
        var held = new List<BoundExpr>();
        for (int i = 0; i < listed.Count; i++)
        {
            var c = listed[i];
            if (marked.Any(x => x.i == i) || cannotRaise?.Invoke(c) == true) continue;
            double cost = ordering.Cost(c);
            if (marked.Any(x => ordering.Cost(x.c) < cost || (ordering.Cost(x.c) == cost && x.i < i))) held.Add(c);
        }
        return held.Count == 0 ? null : held;
    }

    /// <summary>
    /// An uncorrelated NOT IN is no join to PostgreSQL but a SubPlan among the quals of the scan whose
    /// column it tests, ordered there by cost. Hashed (subplan_is_hashable: its estimated rows times
    /// MAXALIGN(width) + MAXALIGN(SizeofHeapTupleHeader) within hash_mem, the session's work_mem times
    /// hash_mem_multiplier), cost_subplan charges it per row only its test, <c>x = y</c>: one
    /// operator call. So it comes before a costlier qual and rejects a row that qual would raise on
    /// (seed 792 case 6314: `abs(c2) NOT BETWEEN 51 AND 64 AND c1 NOT IN (SELECT id ..)`, c1 NULL and
    /// c2 = INT_MIN, no error). The conjuncts over the scan below this null-aware anti join that can
    /// raise and cost more than its test stay above it, in their order; null when none does. An
    /// unhashed SubPlan costs half its sub-query's run per row and runs last: nothing is held. A
    /// conjunct costing the same as the test is held when it was not written before the NOT IN
    /// (<see cref="LogicalJoin.QualsWrittenBefore"/>: the order breaks cost ties).
    /// </summary>
    private List<BoundExpr>? HeldAboveHashedNotIn(LogicalJoin join, IReadOnlyList<BoundExpr> conjuncts)
    {
        if (ordering is null || join is not { Kind: LogicalJoinType.NullAwareAnti, Condition: { } test } || !IsScanLike(join.Left) || !IsHashedSubPlan(join.Right)) return null;
        double testCost = ordering.Cost(test);
        bool TestedAfter(BoundExpr c) => ordering.Cost(c) is var cost && (cost > testCost || (cost == testCost && !join.QualsWrittenBefore.Contains(c, BoundExprComparer.Instance)));
        var held = conjuncts.Where(c => cannotRaise?.Invoke(c) != true && TestedAfter(c)).ToList();
        return held.Count == 0 ? null : held;
    }

    /// <summary>get_hash_memory_limit() at PostgreSQL's defaults, in kB: work_mem 4 MB × hash_mem_multiplier 2.0.</summary>
    private const double DefaultHashMemKb = 8192;

    /// <summary>
    /// Whether PostgreSQL keeps an uncorrelated IN sub-query's rows in a hash table: the rows (at most
    /// the product of the tables' rel->tuples it reads) times the width of a stored tuple fit hash_mem.
    /// </summary>
    private bool IsHashedSubPlan(LogicalPlan subquery)
    {
        double rows = 1;
        foreach (var node in subquery.Nodes())
            if (node is LogicalScan s) rows *= Math.Max(s.Relation.Tuples, 1);
        int width = subquery.Output.Sum(c => AverageWidth(c.Type));
        return rows * (MaxAlign(width) + MaxAlign(HeapTupleHeaderSize)) <= (hashMemKb ?? DefaultHashMemKb) * 1024;
    }

    /// <summary>SizeofHeapTupleHeader: the header of a stored tuple, before its data.</summary>
    private const int HeapTupleHeaderSize = 23;

    private static int MaxAlign(int n) => (n + 7) & ~7;

    /// <summary>get_typavgwidth for the types pg_fusion reads: the length of a fixed-length type, 32 for a variable-length one.</summary>
    private static int AverageWidth(PgType type) => type.Oid switch
    {
        PgTypeOid.Bool => 1,
        PgTypeOid.Int2 => 2,
        PgTypeOid.Int4 or PgTypeOid.Float4 or PgTypeOid.Date or PgTypeOid.Oid => 4,
        PgTypeOid.Int8 or PgTypeOid.Float8 or PgTypeOid.Time or PgTypeOid.Timestamp or PgTypeOid.Timestamptz => 8,
        PgTypeOid.Uuid or PgTypeOid.Interval => 16,
        _ => 32,
    };

    /// <summary>A left join of a correlated EXISTS mark (bool_or(true) grouped by the correlation keys) over a sub-query that costs PostgreSQL nothing.</summary>
    private static bool IsFreeExistsMarkJoin(LogicalJoin join, out LogicalAggregate mark)
    {
        mark = null!;
        if (join is not { Kind: LogicalJoinType.Left, Right: LogicalAggregate { GroupKeys.Count: > 0 } m }
            || m.Aggregates.Count == 0
            || !m.Aggregates.All(a => a.Aggregate.AggOid == BoolOrOid && a.Aggregate.Args is [BoundConst { Value: true }])
            || !IsFreeSeqScan(m.Input))
            return false;
        mark = m;
        return true;
    }

    /// <summary>A table scan (filtered, or cross-joined with InitPlan marks): its quals are one base relation's.</summary>
    private static bool IsScanLike(LogicalPlan plan) => plan is LogicalScan or LogicalFilter { Input: LogicalScan } || IsScanWithInitPlanMark(plan);

    /// <summary>
    /// A free correlated EXISTS mark joined to a table scan (<see cref="HeldAboveFreeSubPlan"/>): the
    /// filter over it holds quals of that scan's restriction list, which QualOrdering orders as a base relation's.
    /// </summary>
    internal static bool IsScanWithExistsMark(LogicalPlan plan) =>
        plan is LogicalJoin join && IsFreeExistsMarkJoin(join, out _) && (IsScanLike(join.Left) || IsScanWithExistsMark(join.Left));

    /// <summary>
    /// A sub-query body that is one table read (filters and projections over one scan) whose table
    /// ANALYZE found empty: PostgreSQL's estimate_rel_size then takes 0 pages and 0 tuples (the
    /// 10-page minimum is only for a table never analyzed), so cost_seqscan charges nothing.
    /// </summary>
    internal static bool IsFreeSeqScan(LogicalPlan plan) => plan switch
    {
        LogicalFilter f => IsFreeSeqScan(f.Input),
        LogicalProject p => IsFreeSeqScan(p.Input),
        LogicalScan s => s.Relation.Layout.RelPages == 0 && s.Relation.Layout.RelTuples == 0,
        _ => false,
    };

    /// <summary>ON conjuncts that read one input only and may filter it (not the ones a domain join holds).</summary>
    private LogicalJoin PushOn(LogicalJoin join)
    {
        if (join.Condition is null) return join;
        var left = Ids(join.Left);
        var right = Ids(join.Right);
        var toLeft = new List<BoundExpr>();
        var toRight = new List<BoundExpr>();
        var kept = new List<BoundExpr>();
        var conjuncts = Conjuncts(join.Condition);
        var held = DomainJoinCondition(join, conjuncts) ?? [];
        foreach (var c in conjuncts)
        {
            if (held.Contains(c))
            {
                kept.Add(c);
                continue;
            }
            var refs = ColumnIds.ReferencedBy(c);
            bool inLeft = refs.Count > 0 && refs.IsSubsetOf(left);
            bool inRight = refs.Count > 0 && refs.IsSubsetOf(right);
            bool leftFilterable = join.Kind is LogicalJoinType.Inner or LogicalJoinType.Right;
            bool rightFilterable = join.Kind is LogicalJoinType.Inner or LogicalJoinType.Left or LogicalJoinType.Semi or LogicalJoinType.Anti or LogicalJoinType.NullAwareAnti;
            if (inLeft && leftFilterable) toLeft.Add(c);
            else if (inRight && rightFilterable && !(join.LateralInner && MayRaise(c))) toRight.Add(c);
            else kept.Add(c);
        }
        if (toLeft.Count == 0 && toRight.Count == 0) return join;
        return Rebuild(join, toLeft, toRight, kept);
    }

    private bool MayRaise(BoundExpr c) => cannotRaise?.Invoke(c) != true;

    /// <summary>The conjuncts a LATERAL sub-query's join holds above itself (<see cref="LateralHeldFilters"/>), by group.</summary>
    private sealed class LateralHeld(List<BoundExpr> pushed, List<BoundExpr> scan, List<BoundExpr> after)
    {
        /// <summary>The groups in evaluation order: pushed into the sub-query, its scan's filter (the ones after are in the remaining filter).</summary>
        public IReadOnlyList<List<BoundExpr>> Groups { get; } = [pushed, scan];

        public bool Contains(BoundExpr c) => pushed.Contains(c) || scan.Contains(c) || after.Contains(c);
    }

    /// <summary>
    /// The conjuncts over a LATERAL sub-query PostgreSQL plans as a query level of its own
    /// (<see cref="LogicalJoin.LateralInner"/>: LIMIT, aggregates, DISTINCT) that must be tested on the
    /// joined rows, or null when none must. PostgreSQL rescans the sub-query per outer row, so a qual over
    /// its output runs only on the rows it returns for the outer rows that reach it; pg_fusion computes
    /// it once for every correlation value, so a qual below the join would also run on rows of values no
    /// outer row has (seed 522 case 200: 100 / l.v raised 22012 for a key no outer row had). PostgreSQL
    /// evaluates such quals in three steps, and each that can raise is held above the join in its step:
    /// <list type="number">
    /// <item>a qual over the sub-query's outputs only, which set_subquery_pathlist pushes into the
    /// sub-query when it has no LIMIT/OFFSET nor window (subquery_is_pushdown_safe): into its HAVING
    /// (aggregates) or WHERE, tested before anything of the outer level (seed 524 case 364: a HAVING
    /// that drops the empty group's NULL sum before the join qual `l.x2 % a.c6` divides by zero);</item>
    /// <item>the Subquery Scan's filter: the sub-query-only quals not pushed, and the join quals over the
    /// sub-query and the relations it reads (the clauses of its parameterized path), ordered by cost together;</item>
    /// <item>the join's other quals that read the sub-query, after it (they go into <paramref name="remaining"/>).</item>
    /// </list>
    /// Conjuncts that cannot raise are pushed as usual, and so are the equalities between the two inputs
    /// (the correlation keys, tested inside the sub-query's scan by PostgreSQL).
    /// </summary>
    private LateralHeld? LateralHeldFilters(LogicalJoin join, IReadOnlyList<BoundExpr> conjuncts, List<BoundExpr> remaining)
    {
        if (!join.LateralInner || join.Kind is not (LogicalJoinType.Inner or LogicalJoinType.Left)) return null;
        var left = Ids(join.Left);
        var right = Ids(join.Right);
        // The columns of the FROM items the sub-query reads: the input relations the correlation keys come from.
        var keyColumns = new HashSet<int>();
        foreach (var c in (join.Condition is null ? [] : Conjuncts(join.Condition)).Concat(conjuncts))
            if (IsCrossEquality(c, left, right)) keyColumns.UnionWith(ColumnIds.ReferencedBy(c).Where(left.Contains));
        var lateralColumns = keyColumns.Count == 0 ? left : LeafColumns(join.Left, keyColumns);
        bool pushable = !HasLimitOrWindow(join.Right);
        List<BoundExpr> pushed = [], scanOwn = [], scanJoin = [], after = [];
        foreach (var c in conjuncts)
        {
            var refs = ColumnIds.ReferencedBy(c);
            if (!refs.Overlaps(right) || !MayRaise(c) || IsCrossEquality(c, left, right)) continue;
            var leftRefs = refs.Where(left.Contains).ToList();
            if (leftRefs.Count == 0) (pushable ? pushed : scanOwn).Add(c);
            else if (leftRefs.All(lateralColumns.Contains)) scanJoin.Add(c);
            else after.Add(c);
        }
        if (pushed.Count == 0 && scanOwn.Count == 0 && scanJoin.Count == 0) return null;
        remaining.AddRange(after);
        // The Subquery Scan's quals as create_subqueryscan_plan lists them: its restriction clauses, then the parameterized path's join clauses.
        return new LateralHeld(pushed, [.. scanOwn, .. scanJoin], after);
    }

    /// <summary>
    /// The ON conjuncts of an inner <see cref="LogicalJoin.LateralInner"/> join that read the sub-query and
    /// can raise (not the equalities between the inputs): null when there is none; <paramref name="rest"/> is the join without them.
    /// </summary>
    private List<BoundExpr>? HeldLateralCondition(LogicalJoin join, out LogicalJoin rest)
    {
        rest = join;
        if (join.Condition is null) return null;
        var left = Ids(join.Left);
        var right = Ids(join.Right);
        var conjuncts = Conjuncts(join.Condition);
        var moved = conjuncts.Where(c => ColumnIds.ReferencedBy(c).Overlaps(right) && MayRaise(c) && !IsCrossEquality(c, left, right)).ToList();
        if (moved.Count == 0) return null;
        var kept = conjuncts.Where(c => !moved.Contains(c)).ToList();
        rest = join with { Condition = kept.Count == 0 ? null : PredicateSimplification.Conjunction(kept) };
        return moved;
    }

    /// <summary>An equality between an expression of the left input and one of the right input (a hash key).</summary>
    private static bool IsCrossEquality(BoundExpr c, HashSet<int> left, HashSet<int> right) =>
        c is BoundFuncCall { Args: [var a, var b] } eq && Physical.PhysicalPlanner.IsStrictComparison(eq)
        && (Within(a, left) && Within(b, right) || Within(a, right) && Within(b, left));

    private static bool Within(BoundExpr e, HashSet<int> ids) => ColumnIds.ReferencedBy(e) is { Count: > 0 } refs && refs.IsSubsetOf(ids);

    /// <summary>The output columns of the inputs of a join tree (its maximal subtrees that are no join) that produce any of <paramref name="columns"/>.</summary>
    private static HashSet<int> LeafColumns(LogicalPlan plan, HashSet<int> columns)
    {
        var result = new HashSet<int>();
        void Walk(LogicalPlan p)
        {
            if (p is LogicalJoin j)
            {
                Walk(j.Left);
                Walk(j.Right);
                return;
            }
            var ids = Ids(p);
            if (ids.Overlaps(columns)) result.UnionWith(ids);
        }
        Walk(plan);
        result.UnionWith(columns);
        return result;
    }

    /// <summary>A LIMIT/OFFSET or a window in the sub-query: PostgreSQL pushes no qual into it (subquery_is_pushdown_safe, check_output_expressions).</summary>
    private static bool HasLimitOrWindow(LogicalPlan plan) =>
        plan is LogicalLimit or LogicalPartitionLimit or LogicalWindow || plan.Children.Any(HasLimitOrWindow);

    private static LogicalJoin Rebuild(LogicalJoin join, List<BoundExpr> toLeft, List<BoundExpr> toRight, IReadOnlyList<BoundExpr> condition) => join with
    {
        Left = toLeft.Count == 0 ? join.Left : new LogicalFilter(join.Left, PredicateSimplification.Conjunction(toLeft)),
        Right = toRight.Count == 0 ? join.Right : new LogicalFilter(join.Right, PredicateSimplification.Conjunction(toRight)),
        Condition = condition.Count == 0 ? null : PredicateSimplification.Conjunction(condition),
    };

    /// <summary>
    /// A table scan cross-joined with the one row of an uncorrelated mark (the bool_or markers of an
    /// EXISTS / IN inside an expression, grouped by nothing) or of an uncorrelated scalar sub-query
    /// (<see cref="LogicalJoin.InitPlan"/>), or with several of them.
    /// </summary>
    internal static bool IsScanWithInitPlanMark(LogicalPlan plan) =>
        plan is LogicalJoin join && IsInitPlanJoin(join)
        && (join.Left is LogicalScan or LogicalFilter { Input: LogicalScan } || IsScanWithInitPlanMark(join.Left));

    /// <summary>The InitPlan joins of a scan's chain (<see cref="IsScanWithInitPlanMark"/>), outermost first.</summary>
    private static IEnumerable<LogicalJoin> InitPlanChain(LogicalJoin join)
    {
        for (LogicalPlan p = join; p is LogicalJoin j && IsInitPlanJoin(j); p = j.Left) yield return j;
    }

    /// <summary>
    /// <paramref name="gates"/> (conjuncts reading only the one-row sub-queries of the scan's InitPlan
    /// chain) as the filter of a gated join's right input. A gate over one sub-query filters it in
    /// place; one over several (<c>CASE WHEN EXISTS (..) ..</c> NOT BETWEEN ..: PostgreSQL copies the
    /// EXISTS into each side's comparison, two InitPlans, seed 792 case 5586) gets those sub-queries
    /// cross-joined under it, out of the chain: the gate then runs before the scan's quals, as the One-Time
    /// Filter does, and a gate that keeps no row leaves the scan unread. The other sub-queries stay in the chain.
    /// </summary>
    private static LogicalJoin GateOver(LogicalJoin join, List<BoundExpr> gates)
    {
        var read = gates.SelectMany(g => g.ReferencedColumns()).Select(c => c.Id).ToHashSet();
        var topIds = Ids(join.Right);
        if (read.All(topIds.Contains))
            return join with { Right = new LogicalFilter(join.Right, PredicateSimplification.Conjunction(gates)), Gated = true };
        var joins = InitPlanChain(join).Reverse().ToList(); // innermost (first joined) first
        LogicalPlan scan = joins[0].Left;
        LogicalPlan? gated = null;
        foreach (var j in joins)
        {
            if (Ids(j.Right).Overlaps(read)) gated = gated is null ? j.Right : new LogicalJoin(gated, j.Right, LogicalJoinType.Inner, null);
            else scan = j with { Left = scan };
        }
        return new LogicalJoin(scan, new LogicalFilter(gated!, PredicateSimplification.Conjunction(gates)), LogicalJoinType.Inner, null) { Gated = true };
    }

    /// <summary>
    /// A cross join with the one row of an uncorrelated mark or scalar sub-query (see
    /// <see cref="IsScanWithInitPlanMark"/>): to PostgreSQL no join but an InitPlan of the query level.
    /// </summary>
    internal static bool IsInitPlanJoin(LogicalJoin join) =>
        join is { Kind: LogicalJoinType.Inner, Condition: null }
        && (join.InitPlan || join.Gated || (join.Right is LogicalAggregate { GroupKeys.Count: 0 } mark
            && mark.Aggregates.Count > 0 && mark.Aggregates.All(a => a.Aggregate.AggOid == BoolOrOid)));

    private const uint BoolOrOid = 2518;

    /// <summary>text(bpchar): the value without its trailing spaces.</summary>
    private const uint BpcharToTextOid = 401;

    /// <summary>
    /// A conjunct that raises for no input: made of columns, constants, AND/OR/NOT, IS [NOT] NULL,
    /// comparisons (<paramref name="isComparison"/>, both sides of one type or family: PostgreSQL's btree
    /// comparison functions never raise), IN lists of them, widening casts, numeric * a constant of at most 1, text(bpchar), int % (a non-zero constant), int / (a constant other than 0 and -1), and
    /// substring/substr(text, int, int) with a constant non-negative length (it raises only for a negative one).
    /// </summary>
    public static bool CannotRaise(BoundExpr e, Func<uint, bool> isComparison) => e switch
    {
        LogicalColumnRef or BoundConst => true,
        BoundBoolExpr b => b.Args.All(a => CannotRaise(a, isComparison)),
        BoundNullTest n => CannotRaise(n.Arg, isComparison),
        BoundRelabel r => CannotRaise(r.Arg, isComparison),
        BoundFuncCall { Args: [var l, var r] } f when ComparableWithoutError(l.Type.Oid, r.Type.Oid) && isComparison(f.FuncOid) => CannotRaise(l, isComparison) && CannotRaise(r, isComparison),
        BoundFuncCall { Args: [var x] } f when IsWideningCast(f, x.Type.Oid) => CannotRaise(x, isComparison),
        // numeric * c for a constant |c| <= 1 (TPC-H's 0.2 * avg(...)): never larger than the other operand
        BoundFuncCall { Name: "numeric_mul", Args: [BoundConst { Value: PgNumeric c }, var x] } when AtMostOne(c) => CannotRaise(x, isComparison),
        BoundFuncCall { Name: "numeric_mul", Args: [var x, BoundConst { Value: PgNumeric c }] } when AtMostOne(c) => CannotRaise(x, isComparison),
        BoundFuncCall { Name: "substring" or "substr", Args: [var t, var from, BoundConst { Value: int length }] } when length >= 0
            => CannotRaise(t, isComparison) && CannotRaise(from, isComparison),
        BoundFuncCall { FuncOid: BpcharToTextOid, Args: [var arg] } => CannotRaise(arg, isComparison),
        // int % c for a constant c other than 0 (int4mod returns 0 for -1 instead of overflowing)
        BoundFuncCall { Name: "int2mod" or "int4mod" or "int8mod", Args: [var x, BoundConst { Value: short or int or long } c] }
            when Convert.ToInt64(c.Value, System.Globalization.CultureInfo.InvariantCulture) != 0 => CannotRaise(x, isComparison),
        // int / c for a constant c other than 0 (division by zero) and -1 (the minimum's negation overflows)
        BoundFuncCall { Name: "int2div" or "int4div" or "int8div" or "int24div" or "int42div" or "int28div" or "int82div" or "int48div" or "int84div", Args: [var x, BoundConst { Value: short or int or long } c] }
            when Convert.ToInt64(c.Value, System.Globalization.CultureInfo.InvariantCulture) is not (0 or -1) => CannotRaise(x, isComparison),
        _ => false,
    };

    private static HashSet<int> Ids(LogicalPlan plan) => ColumnIds.Of(plan.Output);

    /// <summary>
    /// Operand types whose comparison functions never raise: one type, or two of one family
    /// (int2/int4/int8, float4/float8, and date against timestamp, which PostgreSQL 15's
    /// date_cmp_timestamp_internal compares past the timestamp range without an error).
    /// </summary>
    private static bool ComparableWithoutError(uint left, uint right) => left == right || Family(left) is { } f && f == Family(right);

    private static int? Family(uint type) => type switch
    {
        PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8 => 1,
        PgTypeOid.Float4 or PgTypeOid.Float8 => 2,
        PgTypeOid.Date or PgTypeOid.Timestamp => 3,
        _ => null,
    };

    private static bool AtMostOne(PgNumeric c) =>
        c.IsFinite && System.Numerics.BigInteger.Abs(c.UnscaledBig) <= System.Numerics.BigInteger.Pow(10, Math.Max((int)c.Scale, 0));

    /// <summary>A cast that holds every value of its source type (int4(int2), float8(int4), numeric(int8) ...): the function is named for its target type.</summary>
    private static bool IsWideningCast(BoundFuncCall f, uint source) => (f.Name, f.Type.Oid) switch
    {
        ("int4", PgTypeOid.Int4) => source is PgTypeOid.Int2,
        ("int8", PgTypeOid.Int8) => source is PgTypeOid.Int2 or PgTypeOid.Int4,
        ("float4", PgTypeOid.Float4) => source is PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8,
        ("float8", PgTypeOid.Float8) => source is PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8 or PgTypeOid.Float4,
        ("numeric", PgTypeOid.Numeric) => source is PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8,
        _ => false,
    };

    /// <summary>The conjuncts of a predicate (nested ANDs flattened).</summary>
    public static List<BoundExpr> Conjuncts(BoundExpr predicate)
    {
        var list = new List<BoundExpr>();
        void Walk(BoundExpr e)
        {
            // An IN list's AND (NOT IN, <> ALL) stays one qual, as PostgreSQL's ScalarArrayOpExpr.
            if (e is BoundBoolExpr { Op: BoolOp.And, FromScalarArray: false } and) foreach (var a in and.Args) Walk(a);
            else if (e is BoundBoolExpr { Op: BoolOp.Or, FromScalarArray: false } or && FactorOr(or) is { } factored) foreach (var f in factored) Walk(f);
            else if (e is not BoundConst { Value: true }) list.Add(e);
        }
        Walk(predicate);
        return list;
    }

    /// <summary>
    /// (A AND B) OR (A AND C) = A AND (B OR C), as PostgreSQL's prepqual.c pulls common factors out
    /// of OR (so the join key of TPC-H Q19 is seen); null when the arms share nothing.
    /// </summary>
    private static List<BoundExpr>? FactorOr(BoundBoolExpr or)
    {
        var arms = or.Args.Select(a => a is BoundBoolExpr { Op: BoolOp.And } and ? [.. and.Args] : new List<BoundExpr> { a }).ToList();
        var common = arms[0].Where(c => arms.Skip(1).All(arm => arm.Contains(c, BoundExprComparer.Instance))).ToList();
        if (common.Count == 0) return null;
        var rest = new List<BoundExpr>();
        foreach (var arm in arms)
        {
            var left = arm.Where(c => !common.Contains(c, BoundExprComparer.Instance)).ToList();
            // An arm that is only common factors is true whenever they are: the OR adds nothing.
            if (left.Count == 0) return common;
            rest.Add(PredicateSimplification.Conjunction(left));
        }
        return [.. common, new BoundBoolExpr(BoolOp.Or, rest)];
    }
}
