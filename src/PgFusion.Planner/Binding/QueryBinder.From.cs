using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;

namespace PgFusion.Planner.Binding;

// FROM: range-table entries and the join tree. The plan is built after all expressions are bound
// (scans then know their columns), so this returns a builder.
public sealed partial class QueryBinder
{
    private Func<BindScope, LogicalPlan> PrepareFrom(QueryTreeNode jointree, BindScope scope, ExpressionBinder binder)
    {
        if (jointree.RequireKind() != "FROMEXPR") throw jointree.Error($"expected FROMEXPR, found {jointree.Kind}");
        var fromList = jointree.List("fromlist");
        if (fromList.Count == 0) return _ => new LogicalOneRow();
        // FROM a, b, c: a cross join chain; WHERE conjuncts become join conditions by predicate pushdown,
        // and so do the correlation equalities of LATERAL sub-queries.
        var lateral = new List<BoundExpr>();
        var items = fromList.Select(item => PrepareFromItem(item, scope, binder, lateral)).ToList();
        if (items[0].Apply is not null) throw UnsupportedConstructException.NotYet($"{LateralWhat} first in FROM");
        return s =>
        {
            var plan = items[0].Build(s);
            for (int i = 1; i < items.Count; i++)
                plan = items[i].Apply is { } apply ? apply.Apply(plan) : new LogicalJoin(plan, items[i].Build(s), LogicalJoinType.Inner, null) { LateralInner = items[i].LateralInner };
            // Correlations of a subquery in FROM that reads an enclosing query go to this level's WHERE.
            var produced = ColumnIds.Of(plan.Output);
            var local = lateral.Where(c => c.ReferencedColumns().All(r => produced.Contains(r.Id))).ToList();
            binder.LiftedCorrelations.AddRange(lateral.Where(c => !local.Contains(c)));
            return local.Count == 0 ? plan : new LogicalFilter(plan, PredicateSimplification.Conjunction(local));
        };
    }

    /// <summary>
    /// A FROM item's plan builder; <paramref name="Apply"/>, when set, joins it to the items before it
    /// instead. <paramref name="LateralInner"/>: a LATERAL sub-query PostgreSQL does not pull up, the
    /// inner input of a nested loop over the items before it (<see cref="LogicalJoin.LateralInner"/>).
    /// </summary>
    private sealed record FromItem(Func<BindScope, LogicalPlan> Build, LateralApply? Apply = null, bool LateralInner = false);

    /// <param name="lateral">Receives the join conditions a LATERAL sub-query's correlation becomes (for the join or FROM list holding it).</param>
    private FromItem PrepareFromItem(QueryTreeNode item, BindScope scope, ExpressionBinder binder, List<BoundExpr> lateral)
    {
        switch (item.RequireKind())
        {
            case "RANGETBLREF":
                int rti = item.Int32("rtindex");
                var rte = scope.Entry(rti, item.Field("rtindex"));
                int kind = rte.Int32("rtekind");
                if (kind == RteKind.Subquery)
                {
                    if (UnreadAggregateRow(rti, rte, scope, binder) is { } unread) return unread;
                    if (rte.Optional("lateral")?.Bool() == true && ReadsOuter(rte.Field("subquery").Element, 0) && LateralValuesRte(rte.Field("subquery")) is { } values)
                    {
                        var (entries, valuesColumns, apply) = BindLateralValues(rte.Field("subquery"), values, binder);
                        scope.SetSubquery(rti, valuesColumns);
                        return new FromItem(_ => entries, apply);
                    }
                    if (rte.Optional("lateral")?.Bool() == true && ReadsOuter(rte.Field("subquery").Element, 0))
                    {
                        var (lateralPlan, columns, apply) = BindLateral(rte.Field("subquery"), binder, lateral, pullUp: true);
                        bool ownLevel = !IsPulledUp(rte.Field("subquery"));
                        if (ownLevel)
                        {
                            // a query level of its own, folded after this one (LogicalPlan.PlannedSubquery),
                            // and the inner input of a nested loop (LogicalJoin.LateralInner)
                            lateralPlan = lateralPlan with { PlannedSubquery = true };
                            if (apply is not null) apply = apply with { Right = lateralPlan, LateralInner = true };
                        }
                        scope.SetSubquery(rti, columns);
                        return new FromItem(_ => lateralPlan, apply, LateralInner: ownLevel);
                    }
                    if (binder.Outer is not null && ReadsOuter(rte.Field("subquery").Element, 0))
                    {
                        var (derivedPlan, columns) = BindDerivedCorrelated(rte.Field("subquery"), binder, lateral);
                        scope.SetSubquery(rti, columns);
                        return new FromItem(_ => derivedPlan);
                    }
                    var sub = BindQuery(rte.Field("subquery"));
                    RegisterPullUp(rte.Field("subquery"), sub);
                    scope.SetSubquery(rti, sub.ResultColumns);
                    var subRoot = WrapPulledUpOutputs(rte.Field("subquery"), sub.Root);
                    // A sub-query PostgreSQL neither pulls up nor flattens (a UNION ALL may become an
                    // append relation) is a query level of its own, folded after this one.
                    if (!IsPulledUp(rte.Field("subquery")) && rte.Field("subquery").IsNullField("setOperations"))
                        subRoot = subRoot with { PlannedSubquery = true };
                    return new FromItem(_ => subRoot);
                }
                if (kind == RteKind.Cte)
                {
                    var cteQuery = BindCte(rte);
                    var cteRoot = cteQuery.Root;
                    if (InlinedCteQuery(rte) is { } q)
                    {
                        RegisterPullUp(q, cteQuery);
                        cteRoot = WrapPulledUpOutputs(q, cteRoot);
                    }
                    scope.SetSubquery(rti, cteQuery.ResultColumns);
                    return new FromItem(_ => cteRoot);
                }
                if (kind == RteKind.Values)
                {
                    var (valuesPlan, valuesColumns) = BindValues(rte, binder);
                    RegisterValuesPullUp(scope, valuesPlan);
                    scope.SetSubquery(rti, valuesColumns);
                    return new FromItem(_ => valuesPlan);
                }
                if (kind != RteKind.Relation) throw UnsupportedConstructException.NotYet(RteKind.Describe(kind));
                var relation = CheckRelation(rte);
                string alias = rte.Optional("alias")?.Optional("aliasname")?.Text() ?? relation.Name;
                return new FromItem(s => new LogicalScan(rti, alias, relation, s.ColumnsOf(rti)));
            case "JOINEXPR":
                return PrepareJoin(item, scope, binder);
            default:
                throw UnsupportedConstructException.NotYet($"FROM item {item.Kind} (at {item.Path})");
        }
    }

    /// <summary>
    /// A LATERAL sub-query in FROM that reads earlier FROM items: decorrelated when it is a plain
    /// SELECT-FROM-WHERE whose outer references are WHERE equalities inner_expr = outer_expr. Its rows
    /// are those of its FROM and local WHERE, projected to its outputs plus the inner expressions; the
    /// equalities go to <paramref name="lateral"/>, the condition of the join that holds it.
    /// </summary>
    /// <param name="pullUp">The sub-query is a FROM item of <paramref name="binder"/>'s level, which PostgreSQL pulls up when it is plain (<see cref="RegisterPullUp"/>).</param>
    private (LogicalPlan Plan, IReadOnlyList<LogicalColumn> Columns, LateralApply? Apply) BindLateral(QueryTreeNode sub, ExpressionBinder binder, List<BoundExpr> lateral, string what = LateralWhat, bool pullUp = false)
    {
        if ((!sub.IsNullField("limitCount") || !sub.IsNullField("limitOffset")) && IsPlainSelectWithTopN(sub)) return BindLateralTopN(sub, binder, lateral);
        if (!IsPlainSelect(sub)) return BindLateralQuery(sub, binder, lateral, what);
        var body = BindSubqueryBody(sub, binder, what, pulledUp: pullUp);
        if (body.Correlations.Count == 0 && body.JoinConjuncts.Count == 0) throw UnsupportedConstructException.NotYet($"{what} that reads earlier FROM items outside its WHERE equalities");
        var targets = sub.List("targetList").Where(t => !t.Bool("resjunk")).ToList();
        var outputs = body.Outputs.Select((e, i) => new NamedExpr(_ids.New(ResultName(targets[i]), e.Type), e)).ToList();
        var keys = Keys(body);
        // The sub-query's columns the join conditions read pass through its select list.
        var produced = ColumnIds.Of(body.Plan.Output);
        var joinReads = body.JoinConjuncts.SelectMany(c => c.ReferencedColumns()).Where(c => produced.Contains(c.Id)).DistinctBy(c => c.Id)
            .Select(c => new NamedExpr(c, new LogicalColumnRef(c)));
        var plan = new LogicalProject(body.Plan, [.. outputs, .. keys, .. joinReads]);
        VerifyColumns(plan, $"{what} that reads earlier FROM items outside its WHERE equalities");
        lateral.AddRange(body.Correlations.Select((c, i) => c.JoinCondition(keys[i].Column)));
        lateral.AddRange(body.JoinConjuncts);
        if (pullUp)
        {
            // PostgreSQL pulls a plain LATERAL sub-query up as any other: its outputs are substituted
            // into the parent's references and folded there (seed 433 case 145: `- l.x2` over
            // COALESCE(-32768::int2, b.c1) overflows int2 while planning).
            var constants = new Dictionary<int, BoundExpr>();
            foreach (var o in outputs)
                if (ConstantOutput(o.Expr) is { } c) constants[o.Column.Id] = c;
            RegisterPullUp(sub, new BoundQuery(plan, [.. outputs.Select(o => o.Column)]) { ConstantOutputs = constants, Outputs = outputs.ToDictionary(o => o.Column.Id, o => o.Expr) });
            // Its select list is a pulled-up one: an output that can raise is computed above the
            // join, for joined rows only (PulledUpOutputLift; seed 732 case 119: `b.c4 / b.c4` of a
            // LEFT JOIN LATERAL raised 22012 on a row of b that no outer row matched).
            return (WrapPulledUpOutputs(sub, plan), [.. outputs.Select(o => o.Column)], null);
        }
        return (plan, [.. outputs.Select(o => o.Column)], null);
    }

    /// <summary>The Query node of the CTE <paramref name="rte"/> refers to when PostgreSQL inlines it as a sub-query (neither materialized nor recursive).</summary>
    private QueryTreeNode? InlinedCteQuery(QueryTreeNode rte)
    {
        if (rte.Optional("self_reference")?.Bool() == true) return null;
        string name = rte.String("ctename");
        int level = _cteStack.Count - 1 - rte.Int32("ctelevelsup");
        if (level < 0) return null;
        QueryTreeNode? found = null;
        foreach (var c in _cteStack[level])
            if (c.String("ctename") == name) found = c;
        if (found is not { } cte || cte.Optional("cterecursive")?.Bool() == true || IsMaterialized(cte)) return null;
        return cte.Field("ctequery");
    }

    /// <summary>
    /// A reference to a non-recursive WITH query. One PostgreSQL materializes (and that reads no
    /// outer query) is bound once and shared (<see cref="LogicalCteScan"/>); any other is inlined:
    /// its query is bound again for every reference, with the WITH lists visible as they are where
    /// it is defined.
    /// </summary>
    private BoundQuery BindCte(QueryTreeNode rte)
    {
        string name = rte.String("ctename");
        int level = _cteStack.Count - 1 - rte.Int32("ctelevelsup");
        if (level < 0) throw rte.Error($"CTE {name} is {rte.Int32("ctelevelsup")} levels up, there are {_cteStack.Count}");
        QueryTreeNode? found = null;
        foreach (var c in _cteStack[level])
            if (c.String("ctename") == name) found = c;
        if (found is not { } cte) throw rte.Error($"CTE {name} is not in the WITH list {rte.Int32("ctelevelsup")} levels up");
        if (rte.Optional("self_reference")?.Bool() == true)
        {
            if (!_workTables.TryGetValue((_cteStack[level], name), out var work))
                throw UnsupportedConstructException.NotYet($"WITH RECURSIVE reference to {name} outside its recursive term");
            var columns = work.Types.Select((t, i) => _ids.New(work.Names[i], t)).ToList();
            return new BoundQuery(new LogicalWorkTableScan(work.Table, columns), columns);
        }
        if (cte.Optional("cterecursive")?.Bool() == true) return BindRecursiveCte(cte, name, level);
        var query = cte.Field("ctequery");
        if (query.RequireKind() != "QUERY") throw query.Error($"expected QUERY, found {query.Kind}");
        // A materialized CTE that reads no outer query level is computed once for all its references;
        // one that reads an outer level is bound again per reference, as before.
        bool shared = IsMaterialized(cte) && !ReadsOuter(query.Element, 0);
        var key = (_cteStack[level], name);
        if (shared && _sharedCtes.TryGetValue(key, out var known)) return Reference(known);
        var saved = _cteStack;
        _cteStack = saved.GetRange(0, level + 1);
        try
        {
            var bound = BindQuery(query);
            if (!shared)
                return IsMaterialized(cte) ? bound with { Root = KeepSelectList(bound.Root, [.. bound.ResultColumns.Select(c => c.Id)]) } : bound;
            // The definition yields exactly the CTE's columns in order (no ORDER BY-only columns).
            var root = bound.Root.Output.Select(c => c.Id).SequenceEqual(bound.ResultColumns.Select(c => c.Id))
                ? bound.Root
                : new LogicalProject(bound.Root, [.. bound.ResultColumns.Select(c => new NamedExpr(c, new LogicalColumnRef(c)))]);
            var definition = new CteDefinition(_sharedCtes.Count + 1, name, root);
            _sharedCtes[key] = definition;
            return Reference(definition);
        }
        finally
        {
            _cteStack = saved;
        }
    }

    /// <summary>
    /// WITH RECURSIVE name AS (non_recursive UNION [ALL] recursive): always materialized, as in
    /// PostgreSQL. The non-recursive term is bound first; its column types (the set operation's) are
    /// the working table's, which the recursive term's self-reference reads.
    /// </summary>
    private BoundQuery BindRecursiveCte(QueryTreeNode cte, string name, int level)
    {
        var key = (_cteStack[level], name);
        if (_sharedCtes.TryGetValue(key, out var known)) return Reference(known);
        var query = cte.Field("ctequery");
        if (query.RequireKind() != "QUERY") throw query.Error($"expected QUERY, found {query.Kind}");
        if (ReadsOuter(query.Element, 0)) throw UnsupportedConstructException.NotYet("WITH RECURSIVE query that reads an outer query");
        if (query.Optional("setOperations") is not { } setOps || setOps.RequireKind() != "SETOPERATIONSTMT" || setOps.Int32("op") != SetOpUnion)
            throw UnsupportedConstructException.NotYet("WITH RECURSIVE query other than non_recursive UNION [ALL] recursive");
        CheckQueryLevel(query, withAndSetOperations: true);
        var saved = _cteStack;
        _cteStack = saved.GetRange(0, level + 1);
        _cteStack.Add(query.List("cteList"));
        try
        {
            var rangeTable = query.List("rtable");
            var scope = new BindScope(rangeTable, (rti, attnum) => CreateScanColumn(rangeTable, rti, attnum)) { Query = query };
            var types = SetOperationTypes(setOps);
            var anchor = CastBranch(BindSetOperation(setOps.Field("larg"), scope, out var anchorColumns), anchorColumns, types, setOps.Field("larg"));
            var names = cte.List("ctecolnames").Select(n => n.Text()).ToList();
            if (names.Count != types.Count) names = [.. anchorColumns.Select(c => c.Name)];
            var table = new WorkTable(_sharedCtes.Count + 1, name);
            _workTables[key] = (table, types, names);
            LogicalPlan recursive;
            try
            {
                recursive = CastBranch(BindSetOperation(setOps.Field("rarg"), scope, out var recursiveColumns), recursiveColumns, types, setOps.Field("rarg"));
            }
            finally
            {
                _workTables.Remove(key);
            }
            var output = types.Select((t, i) => _ids.New(names[i], t)).ToList();
            var definition = new CteDefinition(_sharedCtes.Count + 1, name, new LogicalRecursiveUnion(anchor, recursive, table, setOps.Bool("all"), output));
            _sharedCtes[key] = definition;
            return Reference(definition);
        }
        finally
        {
            _cteStack = saved;
        }
    }

    /// <summary>A reference to a shared CTE: a scan of its rows under new column ids.</summary>
    private BoundQuery Reference(CteDefinition definition)
    {
        var columns = definition.Plan.Output.Select(c => _ids.New(c.Name, c.Type)).ToList();
        return new BoundQuery(new LogicalCteScan(definition, columns), columns);
    }

    /// <summary>
    /// Whether PostgreSQL plans the CTE apart (subselect.c SS_process_ctes) instead of inlining it as
    /// a subquery: MATERIALIZED, or referenced more than once without NOT MATERIALIZED
    /// (ctematerialized: 0 default, 1 always, 2 never).
    /// </summary>
    private static bool IsMaterialized(QueryTreeNode cte)
    {
        int materialized = cte.Optional("ctematerialized")?.Int32() ?? 0;
        int references = cte.Optional("cterefcount")?.Int32() ?? 1;
        return materialized == 1 || (materialized == 0 && references > 1);
    }

    /// <summary>
    /// Marks the CTE's own select list (and a column-reordering projection above it) as
    /// <see cref="LogicalProject.KeepAll"/>; projections of sub-queries inside the CTE stay prunable,
    /// as PostgreSQL pulls those up.
    /// </summary>
    private static LogicalPlan KeepSelectList(LogicalPlan plan, HashSet<int> ids) => plan switch
    {
        LogicalProject p when p.Exprs.Any(e => ids.Contains(e.Column.Id)) => p.Exprs.All(e => e.Expr is LogicalColumnRef)
            ? p with { KeepAll = true, Input = KeepSelectList(p.Input, [.. p.Exprs.Select(e => ((LogicalColumnRef)e.Expr).Column.Id)]) }
            : p with { KeepAll = true },
        LogicalSort or LogicalLimit or LogicalFilter => plan.WithChildren([KeepSelectList(plan.Children[0], ids)]),
        _ => plan,
    };

    /// <summary>JoinExpr: jointype as PostgreSQL's JoinType enum (nodes.h): 0 inner, 1 left, 2 full, 3 right.</summary>
    private FromItem PrepareJoin(QueryTreeNode join, BindScope scope, ExpressionBinder binder)
    {
        int jointype = join.Int32("jointype");
        var kind = jointype switch
        {
            0 => LogicalJoinType.Inner,
            1 => LogicalJoinType.Left,
            2 => LogicalJoinType.Full,
            3 => LogicalJoinType.Right,
            _ => throw UnsupportedConstructException.NotYet($"join type {jointype} in FROM"),
        };
        var lateral = new List<BoundExpr>();
        bool saved = _noConstantPullUp;
        int savedNulling = _nullingJoin, joinId = ++_joinCount;
        // A RIGHT JOIN whose left side PostgreSQL removes: the right side alone (see IsRemovableOuterJoinSide).
        if (kind == LogicalJoinType.Right && IsRemovableOuterJoinSide(join, join.Field("larg"), scope))
        {
            var kept = PrepareFromItem(join.Field("rarg"), scope, binder, lateral);
            if (lateral.Count == 0 && kept.Apply is null) return WithoutRemovedSide(join, kept, binder);
            throw UnsupportedConstructException.NotYet($"{LateralWhat} on the right of a RIGHT JOIN whose left side PostgreSQL removes");
        }
        _noConstantPullUp = saved || kind is LogicalJoinType.Right or LogicalJoinType.Full;
        _nullingJoin = kind is LogicalJoinType.Right or LogicalJoinType.Full ? joinId : savedNulling;
        // The placeholder constants each side adds (see QueryBinder.ResultRemoval).
        var beforeLeft = kind == LogicalJoinType.Inner && _wrapNonVars ? _placeHolderConstants.Keys.ToHashSet() : null;
        var left = PrepareFromItem(join.Field("larg"), scope, binder, lateral);
        var beforeRight = beforeLeft is null ? null : _placeHolderConstants.Keys.ToHashSet();
        _nullingJoin = savedNulling;
        // A LEFT JOIN whose right side PostgreSQL removes before planning it: the left side alone,
        // unless a LATERAL correlation of the left side needs this join's condition.
        if (kind == LogicalJoinType.Left && lateral.Count == 0 && left.Apply is null && IsRemovableOuterJoinSide(join, join.Field("rarg"), scope))
        {
            _noConstantPullUp = saved;
            return WithoutRemovedSide(join, left, binder);
        }
        _noConstantPullUp = saved || kind is LogicalJoinType.Left or LogicalJoinType.Full;
        _nullingJoin = kind is LogicalJoinType.Left or LogicalJoinType.Full ? joinId : savedNulling;
        var right = PrepareFromItem(join.Field("rarg"), scope, binder, lateral);
        _noConstantPullUp = saved;
        _nullingJoin = savedNulling;
        if (beforeLeft is not null && beforeRight is not null)
        {
            RegisterRemovedResult(join.Field("larg"), join.Field("rarg"), scope, beforeRight.Where(id => !beforeLeft.Contains(id)));
            RegisterRemovedResult(join.Field("rarg"), join.Field("larg"), scope, _placeHolderConstants.Keys.Where(id => !beforeRight.Contains(id)));
        }
        // Subqueries in ON are joined to one input (outer joins) or to the joined rows (inner joins), not to the query's FROM.
        var subqueries = new List<SubqueryJoin>();
        var savedSubLinkBinder = binder.SubLinkBinder;
        binder.SubLinkBinder = node => BindScalarSubquery(node, binder, subqueries);
        BoundExpr? condition;
        try
        {
            condition = join.Optional("quals") is { } q ? binder.Bind(q) : null;
        }
        finally
        {
            binder.SubLinkBinder = savedSubLinkBinder;
        }
        if (condition is not null && condition.Type.Oid != Types.PgTypeOid.Bool) throw join.Field("quals").Error($"join condition of type {condition.Type}");
        if (condition is not null && kind != LogicalJoinType.Full) condition = SubstituteBelowNullingJoin(condition, joinId, savedNulling);
        if (condition is not null && kind == LogicalJoinType.Inner) condition = SubstituteRemovedResults(condition);
        // A LATERAL sub-query's correlation joins the ON condition (PostgreSQL allows LATERAL references only from the right of an inner or left join).
        if (lateral.Count > 0) condition = PredicateSimplification.Conjunction(condition is null ? lateral : [condition, .. lateral]);
        if (left.Apply is not null) throw UnsupportedConstructException.NotYet($"{LateralWhat} on the left of a JOIN");
        if (right.Apply is { } apply)
        {
            // One aggregate row per left row: an inner join's ON filters the applied rows; a left join needs ON true.
            if (subqueries.Count > 0 || kind is not (LogicalJoinType.Inner or LogicalJoinType.Left) || (kind == LogicalJoinType.Left && condition is not null && condition is not BoundConst { Value: true }))
                throw UnsupportedConstructException.NotYet($"{LateralWhat} of one aggregate row joined other than by INNER JOIN or LEFT JOIN ... ON true");
            return new FromItem(s =>
            {
                var applied = apply.Apply(left.Build(s));
                return kind == LogicalJoinType.Inner && condition is not null ? new LogicalFilter(applied, condition) : applied;
            });
        }
        if (subqueries.Count == 0) return new FromItem(s => new LogicalJoin(left.Build(s), right.Build(s), kind, condition) { LateralInner = right.LateralInner });
        return new FromItem(s => JoinWithOnSubqueries(left.Build(s), right.Build(s), kind, condition!, subqueries, binder));
    }

    /// <summary>
    /// A join's ON condition with the constant outputs of pulled-up sub-queries that this join, or an
    /// outer join above it, nulls substituted. pullup_replace_vars wraps an output in a PlaceHolderVar
    /// only above the lowest outer join that nulls it (replace_vars_in_jointree turns need_phvs off at
    /// that join, for its own quals and everything beneath, grouping sets or not; a FULL JOIN's quals
    /// keep them): there the output is substituted as it is, and eval_const_expressions folds it into
    /// the condition (<c>LEFT JOIN (SELECT id, 7 / 31 AS z FROM t) s ON ... AND 65 % s.z = 1</c>
    /// divides by zero while planning). A constant reads no column, so it is the same value wherever
    /// the condition runs.
    /// </summary>
    /// <param name="joinId">This join, the nulling join of its nullable side's items.</param>
    /// <param name="nullingJoin">The outer join that nulls this join's items from above (0: none).</param>
    private BoundExpr SubstituteBelowNullingJoin(BoundExpr condition, int joinId, int nullingJoin)
    {
        if (_placeHolderConstants.Count == 0) return condition;
        return condition.TransformUp(e => e is LogicalColumnRef r && _placeHolderConstants.TryGetValue(r.Column.Id, out var c)
            && (c.NullingJoin == joinId || c.NullingJoin != 0 && c.NullingJoin == nullingJoin) ? c.Expr : e);
    }

    /// <summary>
    /// The preserved side of an outer join PostgreSQL removes (remove_useless_joins). Its ON
    /// condition reads no column of the removed side; PostgreSQL still folded it with the query's
    /// other quals (preprocess_expression runs before query_planner removes the join), so it is
    /// kept to be folded only, for the errors its constants raise.
    /// </summary>
    private FromItem WithoutRemovedSide(QueryTreeNode join, FromItem kept, ExpressionBinder binder)
    {
        if (join.Optional("quals") is { } quals && binder.Bind(quals) is var condition && condition is not Binding.BoundConst)
            _planTimeOnly.Add(condition);
        return kept;
    }

    /// <summary>
    /// A join whose ON condition holds subqueries (bound as marks, scalar joins or their checks). An
    /// inner join's ON is a filter over its pairs: the conjuncts that read a subquery's columns filter
    /// the join after the subqueries are joined to it. For an outer join each subquery must read
    /// one input only (or none): it is joined to that input, which gives every row of it its value
    /// before the join pairs rows. One reading both inputs of a left or right join is joined to the
    /// other (nullable) input crossed with the domain of the preserved input's columns it reads
    /// (QueryBinder.OuterJoinDomain), and the ON condition pairs each preserved row with the domain
    /// row of its own values.
    /// </summary>
    private LogicalPlan JoinWithOnSubqueries(LogicalPlan left, LogicalPlan right, LogicalJoinType kind, BoundExpr condition, List<SubqueryJoin> subqueries, ExpressionBinder binder)
    {
        if (kind == LogicalJoinType.Inner)
        {
            var subColumns = subqueries.SelectMany(j => j.Right.Output).Select(c => c.Id).ToHashSet();
            var conjuncts = PredicatePushdown.Conjuncts(condition).ToList();
            var plain = conjuncts.Where(c => !c.ReferencedColumns().Any(r => subColumns.Contains(r.Id))).ToList();
            var withSubqueries = conjuncts.Where(c => c.ReferencedColumns().Any(r => subColumns.Contains(r.Id))).ToList();
            LogicalPlan plan = new LogicalJoin(left, right, kind, plain.Count == 0 ? null : PredicateSimplification.Conjunction(plain));
            foreach (var j in subqueries) plan = j.Apply(plan);
            return withSubqueries.Count == 0 ? plan : new LogicalFilter(plan, PredicateSimplification.Conjunction(withSubqueries));
        }
        var both = new List<SubqueryJoin>();
        foreach (var j in subqueries)
        {
            var own = ColumnIds.Of(j.Right.Output);
            var reads = new[] { j.Condition, j.Check }.OfType<BoundExpr>().SelectMany(e => e.ReferencedColumns()).Where(c => !own.Contains(c.Id)).Select(c => c.Id).ToList();
            if (reads.All(ColumnIds.Of(right.Output).Contains)) right = j.Apply(right);
            else if (reads.All(ColumnIds.Of(left.Output).Contains)) left = j.Apply(left);
            else both.Add(j);
        }
        if (both.Count == 0) return new LogicalJoin(left, right, kind, condition);
        if (kind == LogicalJoinType.Full) return FullJoinWithDomain(left, right, condition, both, binder);
        return OuterJoinWithDomain(left, right, kind, condition, both, binder);
    }

    private RelationInfo CheckRelation(QueryTreeNode rte)
    {
        var relation = Relation(rte);
        string name = relation.Name;
        char relkind = rte.Optional("relkind")?.Char() ?? relation.RelKind;
        switch (relkind)
        {
            case 'r':
            case 'm':
                break;
            case 'p': throw UnsupportedConstructException.NotYet($"partitioned table {name}");
            case 'f': throw UnsupportedConstructException.NotYet($"foreign table {name}");
            case 'v': throw UnsupportedConstructException.NotYet($"view {name} that was not expanded");
            default: throw UnsupportedConstructException.NotYet($"relation {name} of relkind '{relkind}'");
        }
        if (rte.Optional("inh")?.Bool() == true && relation.HasSubclass == true)
            throw UnsupportedConstructException.NotYet($"table {name} with inheritance children");
        if (!rte.IsNullField("tablesample")) throw UnsupportedConstructException.NotYet("TABLESAMPLE");
        if (rte.Optional("securityQuals")?.Items().Count > 0) throw UnsupportedConstructException.NotYet($"row-level security on {name}");
        return relation;
    }
}
