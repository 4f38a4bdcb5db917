using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

/// <summary>
/// Binds the top-level Query to a logical plan:
/// FROM -> WHERE filter -> aggregate -> HAVING filter -> projection of the target list ->
/// DISTINCT -> ORDER BY -> LIMIT/OFFSET -> projection of the non-junk columns.
/// Anything else raises <see cref="UnsupportedConstructException"/> naming the construct.
/// </summary>
public sealed partial class QueryBinder
{
    private readonly QueryEnvelope _envelope;
    private readonly ColumnIdAllocator _ids = new();

    // The WITH lists of the query levels being bound, outermost first (a CTE reference's
    // ctelevelsup counts levels up from the referencing query).
    private List<IReadOnlyList<QueryTreeNode>> _cteStack = [];

    // Materialized CTEs bound so far, by the WITH list that defines them and their name.
    private readonly Dictionary<(IReadOnlyList<QueryTreeNode> List, string Name), CteDefinition> _sharedCtes = new(new CteKeyComparer());

    // The recursive CTEs whose recursive term is being bound: their working tables and column types.
    private readonly Dictionary<(IReadOnlyList<QueryTreeNode> List, string Name), (WorkTable Table, List<PgType> Types, List<string> Names)> _workTables = new(new CteKeyComparer());

    public QueryBinder(QueryEnvelope envelope) => _envelope = envelope;

    // Constant outputs of sub-queries PostgreSQL pulls up, by column id (BoundQuery.PulledUpConstants).
    private readonly Dictionary<int, BoundExpr> _pulledUpConstants = [];

    // Every output of sub-queries PostgreSQL pulls up, by column id (BoundQuery.PulledUpOutputs).
    private readonly Dictionary<int, BoundExpr> _pulledUpOutputs = [];

    // Outputs of sub-queries pulled up into PlaceHolderVars, by column id (BoundQuery.PlaceHolderOutputs).
    private readonly Dictionary<int, BoundExpr> _placeHolderOutputs = [];

    // Conditions that are only folded, never run (BoundQuery.PlanTimeOnly).
    private readonly List<BoundExpr> _planTimeOnly = [];

    // The plain column outputs of sub-queries PostgreSQL pulls up: the column each output id becomes (a Var).
    private readonly Dictionary<int, LogicalColumn> _pulledUpVars = [];

    // While binding FROM items of the current query level: inside the nullable side of an outer
    // join, or in a query with grouping sets. PostgreSQL wraps a pulled-up sub-query's non-Var
    // outputs in PlaceHolderVars there, which keeps them from being folded into the parent.
    private bool _noConstantPullUp;
    // The query level being bound uses grouping sets: PostgreSQL wraps every non-Var output of a
    // sub-query it pulls up into that level in a PlaceHolderVar (pull_up_simple_subquery's wrap_non_vars).
    private bool _wrapNonVars;

    // The outer join that nulls the FROM items being bound, innermost first (0: none in this query
    // level), and how many joins were numbered so far (QueryBinder.From's PrepareJoin).
    private int _nullingJoin;
    private int _joinCount;

    // The constant outputs of sub-queries pulled up into PlaceHolderVars, with the outer join that
    // nulls them (0: wrapped under grouping sets only), by column id (see SubstituteBelowNullingJoin).
    private readonly Dictionary<int, (BoundExpr Expr, int NullingJoin)> _placeHolderConstants = [];

    public static BoundQuery Bind(QueryEnvelope envelope)
    {
        if (!envelope.Locale.IsUtf8)
            throw UnsupportedConstructException.NotYet($"a database in encoding {envelope.Locale.ServerEncoding} (pg_fusion reads UTF8 databases only)");
        var binder = new QueryBinder(envelope);
        return binder.BindQuery(envelope.Query) with { PulledUpConstants = binder._pulledUpConstants, PulledUpOutputs = binder._pulledUpOutputs, PlaceHolderOutputs = binder._placeHolderOutputs, PlanTimeOnly = binder._planTimeOnly };
    }

    private BoundQuery BindQuery(QueryTreeNode query)
    {
        CheckQueryLevel(query, withAndSetOperations: true);
        _cteStack.Add(query.List("cteList"));
        bool saved = _noConstantPullUp, savedWrap = _wrapNonVars;
        int savedNulling = _nullingJoin;
        _noConstantPullUp = UsesGroupingSets(query);
        _wrapNonVars = UsesGroupingSets(query);
        _nullingJoin = 0;
        try
        {
            return BindQueryLevel(query);
        }
        finally
        {
            _noConstantPullUp = saved;
            _wrapNonVars = savedWrap;
            _nullingJoin = savedNulling;
            _cteStack.RemoveAt(_cteStack.Count - 1);
        }
    }

    /// <summary>
    /// Whether PostgreSQL pulls this sub-query up into its parent (prepjointree.c is_simple_subquery):
    /// a plain SELECT without aggregates, grouping, window functions, set-returning functions in the
    /// select list, ORDER BY, DISTINCT, LIMIT/OFFSET, set operations, FOR UPDATE or WITH.
    /// </summary>
    private static bool IsPulledUp(QueryTreeNode sub) => IsPlainSelect(sub) && sub.List("groupingSets").Count == 0
        && sub.List("sortClause").Count == 0;

    /// <summary>Records a pulled-up sub-query's constant outputs (see <see cref="BoundQuery.PulledUpConstants"/>).</summary>
    private void RegisterPullUp(QueryTreeNode sub, BoundQuery bound)
    {
        // Plain column outputs become the parent's Vars even where non-Vars are wrapped in PlaceHolderVars.
        if (IsPulledUp(sub))
            foreach (var (id, expr) in bound.Outputs)
                if (expr is LogicalColumnRef r) _pulledUpVars[id] = r.Column;
        if (!IsPulledUp(sub)) return;
        if (_noConstantPullUp)
        {
            // PostgreSQL wraps the outputs in PlaceHolderVars here (pull_up_simple_subquery's
            // wrap_non_vars under grouping sets, pullup_replace_vars_callback's need_phvs on the
            // nullable side): folded at each reference all the same, never substituted as constants.
            foreach (var (id, expr) in bound.Outputs) _placeHolderOutputs[id] = expr;
            // (immutable ones only: a copy of a volatile call in ON would be a second evaluation)
            foreach (var (id, expr) in bound.ConstantOutputs)
                if (!expr.AnyNode(static n => n is BoundFuncCall f && !FunctionVolatility.IsImmutable(f.FuncOid)))
                    _placeHolderConstants[id] = (expr, _nullingJoin);
            return;
        }
        foreach (var (id, expr) in bound.ConstantOutputs) _pulledUpConstants[id] = expr;
        foreach (var (id, expr) in bound.Outputs) _pulledUpOutputs[id] = expr;
    }

    /// <summary>
    /// The plan of a pulled-up sub-query, its select list marked as one
    /// (<see cref="LogicalProject.PulledUpSelectList"/>). In a level with grouping sets its non-column outputs
    /// marked as the PlaceHolderVars PostgreSQL makes of them there (wrap_non_vars): a qual of the
    /// parent over such an output costs nothing for the output itself (cost_qual_eval_walker gives
    /// a PlaceHolderVar cost zero), so the quals run in PostgreSQL's order and an output that raises
    /// raises where PostgreSQL's does (seed 4104 case 137).
    /// </summary>
    private LogicalPlan WrapPulledUpOutputs(QueryTreeNode sub, LogicalPlan root)
    {
        if (!IsPulledUp(sub) || root is not LogicalProject { KeepAll: false } project) return root;
        project = project with { PulledUpSelectList = true };
        if (!_wrapNonVars) return project;
        return project with
        {
            Exprs = [.. project.Exprs.Select(e => e.Expr is LogicalColumnRef or BoundRelabel { Placeholder: true } ? e
                : e with { Expr = new BoundRelabel(e.Expr, e.Expr.Type) { Placeholder = true } })],
        };
    }

    /// <summary>A select-list expression with the pulled-up constants it reads substituted, when it then reads no column.</summary>
    private BoundExpr? ConstantOutput(BoundExpr expr)
    {
        var substituted = expr.ReplaceColumns(_pulledUpConstants);
        return substituted.AllNodes(static d => d is BoundConst or BoundFuncCall or BoundBoolExpr or BoundNullTest or BoundRelabel or BoundCase or BoundCoalesce)
            ? substituted
            : null;
    }

    /// <param name="lateral">Set for a LATERAL sub-query that is decorrelated: see <see cref="LateralContext"/>.</param>
    private BoundQuery BindQueryLevel(QueryTreeNode query, LateralContext? lateral = null)
    {
        var rangeTable = query.List("rtable");
        var scope = new BindScope(rangeTable, (rti, attnum) => CreateScanColumn(rangeTable, rti, attnum)) { Query = query };
        var binder = new ExpressionBinder(_envelope.Catalog, scope) { Outer = lateral?.Outer, Output = _envelope.Output, Locale = _envelope.Locale };
        // Scalar subqueries (one row each) are cross-joined below the WHERE filter, or above the
        // aggregate when the grouped select list or HAVING reads them.
        var scalarsBelow = new List<SubqueryJoin>();
        var scalarsAbove = new List<SubqueryJoin>();
        var scalars = scalarsBelow;
        binder.SubLinkBinder = node => BindScalarSubquery(node, binder, scalars);
        binder.AggregateInputSubLinkBinder = node => BindScalarSubquery(node, binder, scalarsBelow);
        var jointree = query.Field("jointree");
        var from = query.Optional("setOperations") is not { } setOps ? PrepareFrom(jointree, scope, binder)
            : lateral is not null && ReadsOuter(query.Element, 0) ? PrepareCorrelatedSetOperations(setOps, scope, lateral)
            : PrepareSetOperations(setOps, scope);

        var targetList = query.List("targetList");
        foreach (var tle in targetList)
            if (tle.RequireKind() != "TARGETENTRY") throw tle.Error($"expected TARGETENTRY, found {tle.Kind}");

        var where = BindWhere(jointree.Optional("quals"), binder);
        for (int i = 0; i < where.Plain.Count; i++) where.Plain[i] = SubstituteRemovedResults(where.Plain[i]);

        bool grouped = query.Bool("hasAggs") || query.List("groupClause").Count > 0 || !query.IsNullField("havingQual") || UsesGroupingSets(query);
        var windows = query.Bool("hasWindowFuncs") ? new WindowCollector(_ids) : null;
        if (windows is not null)
        {
            if (lateral is not null) throw UnsupportedConstructException.NotYet($"window function in {lateral.What}");
            binder.Windows = windows;
        }
        List<BoundExpr> tleExprs;
        BoundExpr? having = null;
        List<NamedExpr> groupKeys = [];
        List<LogicalGroupSortKey> groupingOrder = [];
        var keyByRef = new Dictionary<int, LogicalColumn>();
        var groupingCalls = new List<GroupingCall>();
        int sortGroupKeys = 0;
        AggregateCollector? aggregates = null;
        Func<BoundExpr, BoundExpr> aboveGrouping = e => e; // how a window function's argument reads the grouped rows
        if (grouped)
        {
            aggregates = new AggregateCollector(_ids);
            groupKeys = BindGroupKeys(query, targetList, binder, keyByRef);
            groupingOrder = GroupingSortOrder(query, targetList, keyByRef);
            sortGroupKeys = groupKeys.Count;
            binder.GroupingFuncBinder = node => BindGroupingFunc(node, groupingCalls);
            scalars = scalarsAbove;
            tleExprs = [.. targetList.Select(t => GroupKeyHoldingSubLink(query, t, keyByRef) is { } key
                ? new LogicalColumnRef(key)
                : binder.Bind(t.Field("expr"), aggregates))];
            having = query.Optional("havingQual") is { } h ? binder.Bind(h, aggregates) : null;
            // A subquery joined above the aggregate reads the outer query's columns in its join condition: group keys too.
            var correlations = scalarsAbove.SelectMany(j => new[] { j.Condition, j.Check }).OfType<BoundExpr>();
            // Window functions are computed above the aggregate: their results are no keys, their arguments read keys and aggregates.
            var windowArgs = windows?.Calls.SelectMany(c => c.Call.Function.Args) ?? [];
            var windowColumns = windows?.Calls.Select(c => c.Call.Column) ?? [];
            AddFunctionallyDependentKeys(groupKeys, aggregates, [.. tleExprs, .. having is null ? [] : new[] { having }, .. correlations, .. windowArgs], [.. scalarsAbove.SelectMany(j => j.Right.Output), .. groupingCalls.Select(c => c.Column), .. windowColumns]);
            if (UsesGroupingSets(query))
            {
                // A group item reads its own key (two items with one expression are two keys under
                // grouping sets); any other expression equal to a key, after sub-query pull-up,
                // reads the first such key of PostgreSQL 15's Agg input (GroupingInputOrder).
                var inputOrder = GroupingInputOrder(query, targetList, keyByRef, groupKeys);
                tleExprs = [.. tleExprs.Select((e, i) => OwnGroupKey(targetList[i], keyByRef) is { } own
                    ? new LogicalColumnRef(own)
                    : ReplaceGroupKeysAfterPullUp(e, inputOrder))];
                having = having is null ? null : ReplaceGroupKeysAfterPullUp(having, inputOrder);
                // A window function's argument is no group item: it reads keys as HAVING does.
                aboveGrouping = e => ReplaceGroupKeysAfterPullUp(e, inputOrder);
            }
            else
            {
                tleExprs = [.. tleExprs.Select(e => ReplaceGroupKeys(e, groupKeys))];
                having = having is null ? null : ReplaceGroupKeys(having, groupKeys);
                var keys = groupKeys;
                aboveGrouping = e => ReplaceGroupKeys(e, keys);
            }
        }
        else
        {
            tleExprs = [.. targetList.Select(t => binder.Bind(t.Field("expr")))];
        }

        // Every expression is bound, so the scans know which attributes they read.
        LogicalPlan plan = from(scope);
        where.Plain.AddRange(binder.LiftedCorrelations);
        foreach (var s in scalarsBelow) plan = s.Apply(plan);
        List<NamedExpr> lateralKeys = lateral is null ? [] : ExtractLateralCorrelations(ref plan, where, lateral, grouped && (UsesGroupingSets(query) || groupingCalls.Count > 0),
            conjuncts => MayRaise([.. conjuncts, .. tleExprs, .. groupKeys.Select(k => k.Expr), .. having is null ? [] : new[] { having }], aggregates?.Aggregates));
        plan = ApplyWhere(plan, where);
        if (grouped)
        {
            plan = UsesGroupingSets(query) || groupingCalls.Count > 0
                ? BuildGroupingSets(query, plan, groupKeys, sortGroupKeys, aggregates!.Aggregates, groupingCalls, keyByRef, GroupingSetPhases(query, targetList, keyByRef))
                : new LogicalAggregate(plan, [.. groupKeys, .. lateralKeys], aggregates!.Aggregates)
                {
                    SortedGrouping = groupingOrder,
                    // preprocess_minmax_aggregates' query-level conditions (planagg.c); its FROM one is ProjectionPruning's.
                    MinMaxPathLevel = groupKeys.Count == 0 && lateralKeys.Count == 0 && query.List("groupClause").Count == 0
                        && !query.Bool("hasWindowFuncs") && query.List("cteList").Count == 0,
                };
            foreach (var s in scalarsAbove)
                plan = (s with { Condition = s.Condition is null ? null : ReplaceGroupKeys(s.Condition, groupKeys), Check = s.Check is null ? null : ReplaceGroupKeys(s.Check, groupKeys) }).Apply(plan);
            if (having is not null) plan = new LogicalFilter(plan, having) { Having = true, OverGroupingSets = UsesGroupingSets(query) && query.List("groupClause").Count > 0 };
        }

        binder.Windows = null;
        if (windows is { Calls.Count: > 0 })
        {
            plan = BindWindows(query, targetList, tleExprs, windows, plan, binder, aboveGrouping);
        }

        var tleColumns = new LogicalColumn[targetList.Count];
        var projections = new List<NamedExpr>(targetList.Count);
        for (int i = 0; i < targetList.Count; i++)
        {
            string name = targetList[i].Optional("resname") is null && tleExprs[i] is LogicalColumnRef r ? r.Column.Name : ResultName(targetList[i]);
            tleColumns[i] = _ids.New(name, tleExprs[i].Type);
            projections.Add(new NamedExpr(tleColumns[i], tleExprs[i]));
        }
        // A decorrelated LATERAL sub-query also outputs its correlation keys (and, as one aggregate row per outer row, a marker).
        var carried = lateral is null ? [] : LateralOutputs(lateral, lateralKeys, grouped && query.List("groupClause").Count == 0, targetList, tleExprs, aggregates, projections);
        plan = new LogicalProject(plan, projections)
        {
            // (Carried LATERAL outputs never meet windows: a LATERAL sub-query with windows is not offloaded.)
            WindowQualPushdownColumns = windows is { Calls.Count: > 0 } && carried.Count == 0 ? WindowQualPushdownColumns(query, targetList) : null,
        };

        if (query.Bool("hasDistinctOn"))
        {
            if (lateral is not null && HasLimit(query)) throw UnsupportedConstructException.NotYet($"{lateral.What} with DISTINCT ON and LIMIT/OFFSET");
            plan = BindDistinctOn(query, targetList, tleColumns, plan, carried);
        }
        else if (lateral is not null && HasLimit(query))
        {
            plan = BindDistinct(query, targetList, tleColumns, plan, carried);
            plan = BindLateralLimit(query, targetList, tleColumns, plan, carried.Take(lateralKeys.Count).ToList(), binder);
        }
        else
        {
            plan = BindDistinct(query, targetList, tleColumns, plan, carried);
            plan = BindSort(query, targetList, tleColumns, plan);
        }
        if (lateral is null || !HasLimit(query)) plan = BindLimit(query, binder, plan);

        var result = new List<LogicalColumn>();
        for (int i = 0; i < targetList.Count; i++)
            if (!targetList[i].Bool("resjunk")) result.Add(tleColumns[i]);
        if (!plan.Output.Select(c => c.Id).SequenceEqual(result.Concat(carried).Select(c => c.Id)))
        {
            var final = result.Concat(carried).Select(c => new NamedExpr(_ids.New(c.Name, c.Type), new LogicalColumnRef(c))).ToList();
            plan = new LogicalProject(plan, final);
            result = [.. final.Take(result.Count).Select(f => f.Column)];
            carried = [.. final.Skip(result.Count).Select(f => f.Column)];
        }
        if (lateral is not null) lateral.SetOutputs(carried);
        VerifyColumns(plan, "a subquery's column used where it is not available");
        var constants = new Dictionary<int, BoundExpr>();
        var outputs = new Dictionary<int, BoundExpr>();
        for (int i = 0, r = 0; i < targetList.Count; i++)
        {
            outputs[tleColumns[i].Id] = tleExprs[i];
            if (targetList[i].Bool("resjunk")) continue;
            if (ConstantOutput(tleExprs[i]) is { } c) constants[result[r].Id] = c;
            if (result[r].Id != tleColumns[i].Id) outputs[result[r].Id] = new LogicalColumnRef(tleColumns[i]);
            r++;
        }
        return new BoundQuery(plan, result) { ConstantOutputs = constants, Outputs = outputs };
    }

    /// <summary>Query-level flags and clauses the planner does not handle yet.</summary>
    private static void CheckQueryLevel(QueryTreeNode query, bool withAndSetOperations = false)
    {
        int commandType = query.Int32("commandType");
        if (commandType != 1) throw UnsupportedConstructException.NotYet($"statement other than SELECT (commandType {commandType})");
        if (!query.IsNullField("utilityStmt")) throw UnsupportedConstructException.NotYet("utility statement");
        if (!withAndSetOperations && query.List("cteList").Count > 0) throw UnsupportedConstructException.NotYet("WITH (common table expression) here");
        if (!withAndSetOperations && !query.IsNullField("setOperations")) throw UnsupportedConstructException.NotYet("UNION/INTERSECT/EXCEPT here");
        if (query.Bool("hasTargetSRFs")) throw UnsupportedConstructException.NotYet("set-returning function in the select list");
        if (query.Bool("hasForUpdate") || query.List("rowMarks").Count > 0) throw UnsupportedConstructException.NotYet("FOR UPDATE/SHARE");
        if (query.Optional("hasRowSecurity")?.Bool() == true) throw UnsupportedConstructException.NotYet("row-level security");
    }

    private LogicalColumn CreateScanColumn(IReadOnlyList<QueryTreeNode> rangeTable, int rti, int attnum)
    {
        var rte = rangeTable[rti - 1];
        var relation = Relation(rte);
        if (attnum > relation.Layout.Attributes.Count) throw rte.Error($"relation {relation.Name} has {relation.Layout.Attributes.Count} attributes, the query reads attribute {attnum}");
        var attribute = relation.Layout.Attribute(attnum);
        if (attribute.IsDropped) throw rte.Error($"the query reads dropped attribute {attnum} of {relation.Name}");
        if (!SupportedTypes.IsSupported(attribute.Type.Oid))
            throw UnsupportedConstructException.NotYet($"column {relation.Name}.{attribute.Name} of type {TypeLabel(attribute.Type.Oid)}");
        return _ids.New(attribute.Name, attribute.Type);
    }

    private RelationInfo Relation(QueryTreeNode rte)
    {
        uint relid = rte.UInt32("relid");
        return _envelope.Relations.TryGetValue(relid, out var relation)
            ? relation
            : throw new QueryJsonException("$.relations", $"relation {relid} (used at {rte.Path}) is missing");
    }

    private string TypeLabel(uint oid) => _envelope.Catalog.Types.TryGetValue(oid, out var t) ? $"{t.Name} (OID {oid})" : $"{PgTypeNames.Format(new PgType(oid))} (OID {oid})";

    private static string ResultName(QueryTreeNode tle) => tle.Optional("resname")?.Text() ?? "?column?";

    private sealed class CteKeyComparer : IEqualityComparer<(IReadOnlyList<QueryTreeNode> List, string Name)>
    {
        public bool Equals((IReadOnlyList<QueryTreeNode> List, string Name) x, (IReadOnlyList<QueryTreeNode> List, string Name) y) =>
            ReferenceEquals(x.List, y.List) && x.Name == y.Name;

        public int GetHashCode((IReadOnlyList<QueryTreeNode> List, string Name) obj) =>
            HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.List), obj.Name);
    }
}
