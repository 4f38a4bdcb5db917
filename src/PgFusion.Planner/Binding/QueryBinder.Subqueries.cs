using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// Subqueries (SubLinks): EXISTS, NOT EXISTS, IN (= ANY) and NOT IN as top-level WHERE conjuncts
// become semi, anti and null-aware anti joins; correlated ones are decorrelated when the outer
// references sit in WHERE conjuncts of a plain SELECT-FROM-WHERE subquery (those conjuncts become
// the join condition). Uncorrelated scalar subqueries that are one ungrouped aggregate (exactly one
// row) are cross-joined. Everything else raises Unsupported naming the construct.
public sealed partial class QueryBinder
{
    private const int ExistsSubLink = 0;
    private const int AnySubLink = 2;
    private const int ExprSubLink = 4;

    /// <summary>A WHERE clause: plain conjuncts, and subqueries that join the FROM plan.</summary>
    private sealed record WhereClause(List<BoundExpr> Plain, List<SubqueryJoin> Joins);

    /// <summary>
    /// A subquery joined to the plan; <paramref name="Check"/>, when set, is a filter right above the
    /// join that raises an error for a row the subquery fails (more than one row for a scalar).
    /// <paramref name="What"/> names the subquery for Unsupported messages.
    /// </summary>
    private sealed record SubqueryJoin(LogicalPlan Right, LogicalJoinType Kind, BoundExpr? Condition, BoundExpr? Check = null, bool InitPlan = false, string? What = null)
    {
        /// <summary>The WHERE conjuncts written before this one (<see cref="LogicalJoin.QualsWrittenBefore"/>).</summary>
        public IReadOnlyList<BoundExpr> QualsWrittenBefore { get; init; } = [];

        /// <summary>
        /// The join, left for the subquery_decorrelation rule as a <see cref="LogicalApply"/>; a
        /// one-row uncorrelated subquery cross-joined (an InitPlan, a scalar or an EXISTS/IN mark of
        /// no correlation) is joined here, so it plans with that rule turned off too.
        /// </summary>
        public LogicalPlan Apply(LogicalPlan plan)
        {
            LogicalPlan joined = InitPlan || (Kind == LogicalJoinType.Inner && Condition is null)
                ? new LogicalJoin(plan, Right, Kind, Condition) { InitPlan = InitPlan }
                : new LogicalApply(plan, Right, Kind, Condition, What ?? DefaultWhat(Kind)) { QualsWrittenBefore = QualsWrittenBefore };
            return Check is null ? joined : new LogicalFilter(joined, Check);
        }

        private static string DefaultWhat(LogicalJoinType kind) => kind switch
        {
            LogicalJoinType.Semi => "EXISTS/IN subquery",
            LogicalJoinType.Anti => "NOT EXISTS subquery",
            LogicalJoinType.NullAwareAnti => "NOT IN subquery",
            _ => "correlated subquery inside an expression (scalar, EXISTS or IN)",
        };
    }

    private WhereClause BindWhere(QueryTreeNode? quals, ExpressionBinder binder)
    {
        var clause = new WhereClause([], []);
        if (quals is not { } q) return clause;
        foreach (var conjunct in JsonConjuncts(q))
        {
            // A correlated NOT IN depends on the outer row's key and on NULLs among the correlated
            // rows only: it is bound as NOT of a mark (QueryBinder.Marks), not as a null-aware anti join;
            // a correlated row NOT IN, (a, b) NOT IN (...), as an anti join (BindSubqueryJoin).
            if (AsSubLink(conjunct, out bool negated) is { } link && JoinsAsConjunct(link, negated))
            {
                try
                {
                    clause.Joins.Add(BindSubqueryJoin(link, negated, binder) with { QualsWrittenBefore = [.. clause.Plain] });
                }
                catch (UnsupportedConstructException) when (UnionArms(link) is not null)
                {
                    // A UNION whose arms are correlated differently: an OR of one mark per arm (QueryBinder.UnionMarks).
                    clause.Plain.Add(binder.Bind(conjunct));
                }
            }
            else if (OrWithOneSubLink(conjunct) is var (others, orLink, orNegated))
            {
                // A mark needs correlation equalities; with other correlations the OR becomes the semi or anti join's condition.
                try
                {
                    clause.Plain.Add(binder.Bind(conjunct));
                }
                catch (UnsupportedConstructException)
                {
                    clause.Joins.Add(BindOrSubqueryJoin(others, orLink, orNegated, binder));
                }
            }
            else
            {
                clause.Plain.Add(binder.Bind(conjunct));
            }
        }
        return clause;
    }

    /// <summary>
    /// Whether a WHERE conjunct's SubLink becomes a semi or anti join: EXISTS; IN (= ANY) except a
    /// correlated NOT IN; ALL and the other ANY comparisons when correlated or not decided by min
    /// and max. The rest are bound as expressions (marks, QueryBinder.Marks and .Quantified).
    /// </summary>
    private bool JoinsAsConjunct(QueryTreeNode link, bool negated)
    {
        int type = link.Int32("subLinkType");
        if (type == ExistsSubLink) return true;
        bool correlated = ReadsOuter(link.Field("subselect").Element, 0);
        string? op = QuantifiedOperator(link);
        // A correlated row NOT IN, (a, b) NOT IN (SELECT x, y ... WHERE corr): an anti join (below, BindSubqueryJoin).
        if (type == AnySubLink && op is "=" or null) return !(negated && correlated) || IsRowTest(link);
        return correlated || !MinMaxDecides(type == AllSubLink, op);
    }

    /// <summary>An IN/ANY SubLink whose test compares a row, (a, b) IN (SELECT x, y ...): not one operator.</summary>
    private static bool IsRowTest(QueryTreeNode link) =>
        link.Int32("subLinkType") == AnySubLink && link.Optional("testexpr") is { Kind: not "OPEXPR" };

    private static LogicalPlan ApplyWhere(LogicalPlan plan, WhereClause where)
    {
        foreach (var j in GatesOutermost(where.Joins)) plan = j.Apply(plan);
        return where.Plain.Count == 0 ? plan : new LogicalFilter(plan, PredicateSimplification.Conjunction(where.Plain));
    }

    /// <summary>
    /// The WHERE's sub-query joins in the order to apply them (the last applied is outermost):
    /// the others in written order, then the uncorrelated [NOT] EXISTS (a semi or anti join without
    /// a condition), last written first. To PostgreSQL each of those is an InitPlan tested in the
    /// gating Result's One-Time Filter above the whole relation, before any join runs, and its quals
    /// cost nothing per row, so they run in the written order: `NOT EXISTS (SELECT 1 FROM t2) AND NOT
    /// EXISTS (.. raising ..)` stops at the first over a non-empty t2. A gate join reads its sub-query
    /// before its input, so the first written goes outermost.
    /// </summary>
    private static IEnumerable<SubqueryJoin> GatesOutermost(List<SubqueryJoin> joins)
    {
        static bool IsGate(SubqueryJoin j) => j is { Kind: LogicalJoinType.Semi or LogicalJoinType.Anti, Condition: null, Check: null, InitPlan: false };
        return joins.Where(j => !IsGate(j)).Concat(joins.Where(IsGate).Reverse());
    }

    private static IEnumerable<QueryTreeNode> JsonConjuncts(QueryTreeNode node)
    {
        if (node.Kind == "BOOLEXPR" && BoolOpName(node) == "and")
        {
            foreach (var a in node.List("args"))
                foreach (var c in JsonConjuncts(a))
                    yield return c;
        }
        else
        {
            yield return node;
        }
    }

    private static string BoolOpName(QueryTreeNode node)
    {
        var op = node.Field("boolop");
        return op.Element.ValueKind == System.Text.Json.JsonValueKind.Number
            ? op.Int32() switch { 0 => "and", 1 => "or", _ => "not" }
            : op.String();
    }

    /// <summary>An EXISTS or ANY SubLink, possibly under one NOT.</summary>
    private static QueryTreeNode? AsSubLink(QueryTreeNode node, out bool negated)
    {
        negated = false;
        if (node.Kind == "BOOLEXPR" && BoolOpName(node) == "not" && node.List("args") is [var arg])
        {
            negated = true;
            node = arg;
        }
        if (node.Kind == "SUBLINK" && node.Int32("subLinkType") is ExistsSubLink or AnySubLink or AllSubLink) return node;
        negated = false;
        return null;
    }

    /// <summary>A plain SELECT ... FROM ... WHERE: no aggregation, grouping, DISTINCT, LIMIT or set operation.</summary>
    /// <summary>A plain SELECT-FROM-WHERE that may have ORDER BY and LIMIT/OFFSET.</summary>
    private static bool IsPlainSelectWithTopN(QueryTreeNode q) =>
        !q.Bool("hasAggs") && q.List("groupClause").Count == 0 && q.IsNullField("havingQual") && q.List("distinctClause").Count == 0
        && q.IsNullField("setOperations") && q.List("cteList").Count == 0 && !q.Bool("hasWindowFuncs") && !q.Bool("hasTargetSRFs")
        && q.Optional("limitOption")?.Int32() != 1;

    private static bool IsPlainSelect(QueryTreeNode q) =>
        !q.Bool("hasAggs") && q.List("groupClause").Count == 0 && q.IsNullField("havingQual") && q.List("distinctClause").Count == 0
        && q.IsNullField("limitCount") && q.IsNullField("limitOffset") && q.IsNullField("setOperations") && q.List("cteList").Count == 0
        && !q.Bool("hasWindowFuncs") && !q.Bool("hasTargetSRFs");

    /// <summary>
    /// An EXISTS sub-query that is a plain SELECT-FROM-WHERE but for a LIMIT that keeps a row (LIMIT n,
    /// n &gt; 0, or LIMIT NULL/ALL) and no OFFSET, as ORMs write <c>EXISTS (... LIMIT 1)</c>: whether a
    /// row exists does not depend on the LIMIT, which is dropped (PostgreSQL's simplify_EXISTS_query
    /// drops it too).
    /// </summary>
    private static bool IsExistsWithRedundantLimit(QueryTreeNode sub, ExpressionBinder binder)
    {
        if (!IsPlainSelectWithTopN(sub) || !sub.IsNullField("limitOffset") || sub.IsNullField("limitCount")) return false;
        try
        {
            return ConstantCount(sub.Optional("limitCount"), "LIMIT", binder) is null or > 0;
        }
        catch (UnsupportedConstructException)
        {
            return false;
        }
    }

    /// <summary>What makes a sub-query other than a plain SELECT-FROM-WHERE, for Unsupported messages.</summary>
    private static string NotPlainReason(QueryTreeNode q)
    {
        var parts = new List<string>();
        if (!q.IsNullField("limitCount") || !q.IsNullField("limitOffset")) parts.Add("LIMIT/OFFSET");
        if (q.Bool("hasAggs")) parts.Add("aggregates");
        if (q.List("groupClause").Count > 0 || q.List("groupingSets").Count > 0) parts.Add("GROUP BY");
        if (!q.IsNullField("havingQual")) parts.Add("HAVING");
        if (q.List("distinctClause").Count > 0) parts.Add("DISTINCT");
        if (!q.IsNullField("setOperations")) parts.Add("UNION/INTERSECT/EXCEPT");
        if (q.List("cteList").Count > 0) parts.Add("WITH");
        return parts.Count == 0 ? "other than SELECT ... FROM ... WHERE" : $"with {string.Join(", ", parts)} (only a plain SELECT ... FROM ... WHERE is decorrelated here)";
    }

    private SubqueryJoin BindSubqueryJoin(QueryTreeNode link, bool negated, ExpressionBinder outer)
    {
        int type = link.Int32("subLinkType");
        var sub = link.Field("subselect");
        string? op = type == ExistsSubLink ? null : QuantifiedOperator(link);
        bool isIn = type == AnySubLink && op is "=" or null;
        string what = type == ExistsSubLink ? (negated ? "NOT EXISTS" : "EXISTS")
            : isIn ? (negated ? "NOT IN" : "IN/ANY")
            : $"{(negated ? "NOT " : "")}{op} {(type == AllSubLink ? "ALL" : "ANY")}";
        LogicalPlan right;
        List<BoundExpr> outputs;
        var condition = new List<BoundExpr>();
        if (IsPlainSelect(sub) || (type == ExistsSubLink && IsExistsWithRedundantLimit(sub, outer)))
        {
            CheckQueryLevel(sub);
            _cteStack.Add([]);
            var rangeTable = sub.List("rtable");
            var scope = new BindScope(rangeTable, (rti, attnum) => CreateScanColumn(rangeTable, rti, attnum)) { Query = sub };
            var binder = new ExpressionBinder(_envelope.Catalog, scope) { Outer = outer, Output = _envelope.Output, Locale = _envelope.Locale };
            var scalars = new List<SubqueryJoin>();
            binder.SubLinkBinder = node => BindScalarSubquery(node, binder, scalars);
            var jointree = sub.Field("jointree");
            var from = PrepareFrom(jointree, scope, binder);
            var where = BindWhere(jointree.Optional("quals"), binder);
            outputs = type != ExistsSubLink ? [.. sub.List("targetList").Where(t => !t.Bool("resjunk")).Select(t => binder.Bind(t.Field("expr")))] : [];
            var plan = from(scope);
            where.Plain.AddRange(binder.LiftedCorrelations);
            foreach (var s in scalars) plan = s.Apply(plan);
            foreach (var j in where.Joins) plan = FlattenNestedSemiJoin(j, plan, condition) ?? NestedAntiJoinWithDomain(j, plan, condition, outer) ?? j.Apply(plan);
            var produced = ColumnIds.Of(plan.Output);
            var local = new List<BoundExpr>();
            foreach (var p in where.Plain)
            {
                if (p.ReferencedColumns().All(c => produced.Contains(c.Id))) local.Add(p);
                else condition.Add(p); // reads the outer query: a join condition
            }
            right = local.Count == 0 ? plan : new LogicalFilter(plan, PredicateSimplification.Conjunction(local));
            _cteStack.RemoveAt(_cteStack.Count - 1);
        }
        else if (ReadsOuter(sub.Element, 0))
        {
            // With LIMIT/OFFSET (a top-N per correlation key), GROUP BY, HAVING or DISTINCT: bound like a
            // LATERAL sub-query, whose rows per key are the rows the sub-query gives for that outer value.
            if (sub.List("cteList").Count > 0)
                throw UnsupportedConstructException.NotYet($"correlated {what} subquery {NotPlainReason(sub)}");
            var (plan, columns, apply) = BindLateral(sub, outer, condition, $"correlated {what} subquery");
            if (apply is not null) throw UnsupportedConstructException.NotYet($"correlated {what} subquery of aggregates without GROUP BY (one row for every outer row)");
            right = plan;
            outputs = [.. columns.Select(c => (BoundExpr)new LogicalColumnRef(c))];
        }
        else
        {
            var bound = BindQuery(sub);
            right = bound.Root;
            outputs = [.. bound.ResultColumns.Select(c => (BoundExpr)new LogicalColumnRef(c))];
        }
        VerifyColumns(right, $"{what} subquery that reads the outer query outside its WHERE conjuncts");
        var kind = type == ExistsSubLink ? (negated ? LogicalJoinType.Anti : LogicalJoinType.Semi) : (negated ? LogicalJoinType.NullAwareAnti : LogicalJoinType.Semi);
        if (type != ExistsSubLink)
        {
            outer.SubLinkParams.Clear();
            for (int i = 0; i < outputs.Count; i++) outer.SubLinkParams[i + 1] = outputs[i];
            try
            {
                var test = outer.Bind(link.Field("testexpr"));
                if (test.Type.Oid != Types.PgTypeOid.Bool) throw link.Field("testexpr").Error($"ANY/ALL test of type {test.Type}");
                if (isIn)
                {
                    condition.Add(test);
                }
                else
                {
                    (kind, var quantified) = QuantifiedJoin(type == AllSubLink, negated, test);
                    condition.Add(quantified);
                }
            }
            finally
            {
                outer.SubLinkParams.Clear();
            }
        }
        if (kind == LogicalJoinType.NullAwareAnti && condition.Count != 1)
        {
            // Correlated (a, b) NOT IN (SELECT x, y ... WHERE corr): per outer row, the subquery's rows
            // are the inner rows whose correlation conjuncts are true, and NOT IN is true only when the
            // row comparison a = x AND b = y is false for every one of them (NULL when none is true but
            // one is NULL, which WHERE rejects as false). So the outer row is kept exactly when no inner
            // row has its correlation conjuncts true and its test not false: an anti join on
            // corr AND COALESCE(test, true), whose correlation equalities are hash keys.
            if (!IsRowTest(link)) throw UnsupportedConstructException.NotYet("correlated NOT IN subquery");
            var test = condition[^1];
            condition[^1] = new BoundCoalesce([test, new BoundConst(true, PgType.Bool)], PgType.Bool);
            kind = LogicalJoinType.Anti;
        }
        return new SubqueryJoin(right, kind, condition.Count == 0 ? null : PredicateSimplification.Conjunction(condition), What: $"{what} subquery");
    }

    /// <summary>
    /// A subquery in an expression. EXISTS and IN/ANY ones (under OR or NOT, in the select list)
    /// become marks (QueryBinder.Marks). A scalar (EXPR) subquery, uncorrelated: an ungrouped
    /// aggregate without HAVING or LIMIT (exactly one row) is cross-joined as it is; any other query
    /// is wrapped in an ungrouped (first value, row count) aggregate, whose value gives NULL for no
    /// rows and raises PostgreSQL's 21000 for a second row where it is evaluated (<see cref="CheckedSingleRow"/>). Correlated: an ungrouped aggregate whose outer references
    /// are equalities inner_expr = outer_expr in its WHERE; it becomes the aggregate grouped by the
    /// inner expressions, left-joined on the equalities.
    /// </summary>
    private BoundExpr BindScalarSubquery(QueryTreeNode link, ExpressionBinder outer, List<SubqueryJoin> scalars)
    {
        int type = link.Int32("subLinkType");
        if (type == ExistsSubLink || (type == AnySubLink && QuantifiedOperator(link) is "=" or null)) return BindMark(link, outer, scalars);
        if (type is AnySubLink or AllSubLink) return BindQuantified(link, outer, scalars);
        if (type != ExprSubLink)
            throw UnsupportedConstructException.NotYet($"subquery expression (SubLink {ExpressionBinder.SubLinkKind(link)}) other than a top-level WHERE conjunct");
        var sub = link.Field("subselect");
        bool oneRow = sub.Bool("hasAggs") && sub.List("groupClause").Count == 0 && sub.List("groupingSets").Count == 0 && sub.IsNullField("havingQual")
            && sub.IsNullField("limitCount") && sub.IsNullField("limitOffset") && sub.IsNullField("setOperations") && sub.List("distinctClause").Count == 0;
        bool correlated = ReadsOuter(sub.Element, 0);
        // One aggregate row per outer row that HAVING may remove: the aggregate path, with HAVING deciding between the value and NULL.
        bool havingOnly = sub.Bool("hasAggs") && sub.List("groupClause").Count == 0 && sub.List("groupingSets").Count == 0 && !sub.IsNullField("havingQual")
            && sub.IsNullField("limitCount") && sub.IsNullField("limitOffset") && sub.IsNullField("setOperations") && sub.List("distinctClause").Count == 0;
        if (correlated && havingOnly) return BindCorrelatedScalar(link, sub, outer, scalars);
        if (correlated && !oneRow) return BindCorrelatedSingleRow(link, sub, outer, scalars);
        if (correlated) return BindCorrelatedScalar(link, sub, outer, scalars);
        var bound = BindQuery(sub);
        if (bound.ResultColumns.Count != 1) throw link.Error($"scalar subquery with {bound.ResultColumns.Count} columns");
        if (oneRow)
        {
            scalars.Add(new SubqueryJoin(bound.Root, LogicalJoinType.Inner, null, InitPlan: true));
            return new LogicalColumnRef(bound.ResultColumns[0]);
        }
        var column = bound.ResultColumns[0];
        var firstValue = new NamedAggregate(_ids.New(column.Name, column.Type),
            new BoundAggregate(BoundAggregate.FirstValueOid, "first", [new LogicalColumnRef(column)], false, null, column.Type));
        var rowCount = new NamedAggregate(_ids.New("rows", PgType.Int8), new BoundAggregate(2803, "count", [], false, null, PgType.Int8));
        scalars.Add(new SubqueryJoin(new LogicalAggregate(bound.Root, [], [firstValue, rowCount]), LogicalJoinType.Inner, null, InitPlan: true));
        return CheckedSingleRow(firstValue.Column, rowCount.Column);
    }

    /// <summary>
    /// A scalar subquery's value from its (first value, row count) columns:
    /// <c>CASE WHEN pgfusion_single_row(rows) THEN first END</c>. The check raises 21000 only where the
    /// value is evaluated, as PostgreSQL evaluates a SubPlan only for the outer rows (and CASE, COALESCE,
    /// AND/OR branches) that reach it: a group of two rows that no outer row reads raises nothing.
    /// A row count of NULL (an outer row without a group) gives NULL (the function is strict).
    /// </summary>
    private static BoundCase CheckedSingleRow(LogicalColumn first, LogicalColumn rows) =>
        new([(new BoundFuncCall(BoundAggregate.SingleRowCheckOid, "pgfusion_single_row", [new LogicalColumnRef(rows)], PgType.Bool), new LogicalColumnRef(first))],
            new BoundConst(null, first.Type), first.Type);

    /// <summary>
    /// A correlated scalar subquery that is a plain SELECT-FROM-WHERE (with ORDER BY and LIMIT/OFFSET
    /// or without) correlated by equalities: grouped by its correlation keys into (first value, row
    /// count), left-joined on the equalities. The value raises 21000 where it is evaluated for an outer
    /// row whose group has two or more rows (<see cref="CheckedSingleRow"/>). With LIMIT/OFFSET the rows are first limited per key
    /// (<see cref="PartitionTopN"/>, a top-N per correlation key), so <c>ORDER BY y LIMIT 1</c> leaves
    /// one row per key and the first value is the one PostgreSQL's per-row evaluation returns.
    /// </summary>
    private BoundExpr BindCorrelatedSingleRow(QueryTreeNode link, QueryTreeNode sub, ExpressionBinder outer, List<SubqueryJoin> scalars)
    {
        const string what = "correlated scalar subquery";
        if (!IsPlainSelectWithTopN(sub)) return BindCorrelatedGroupedRow(link, sub, outer, scalars);
        bool topN = !sub.IsNullField("limitCount") || !sub.IsNullField("limitOffset");
        var body = BindSubqueryBody(sub, outer, what, allowTopN: topN);
        if (body.Outputs.Count != 1) throw link.Error($"scalar subquery with {body.Outputs.Count} columns");
        if (body.Correlations.Count == 0) throw UnsupportedConstructException.NotYet("correlated scalar subquery that reads the outer query outside its WHERE");
        var keys = Keys(body);
        var value = body.Outputs[0];
        string name = sub.List("targetList").First(t => !t.Bool("resjunk")).Optional("resname")?.Text() ?? "?column?";
        var rowsPlan = body.Plan;
        if (topN)
        {
            var output = new NamedExpr(_ids.New(name, value.Type), value);
            rowsPlan = PartitionTopN(body, [output], keys, $"{what} with LIMIT/OFFSET");
            value = new LogicalColumnRef(output.Column);
            keys = [.. keys.Select(k => new NamedExpr(_ids.New("key", k.Column.Type), new LogicalColumnRef(k.Column)))];
        }
        var first = new NamedAggregate(_ids.New(name, value.Type), new BoundAggregate(BoundAggregate.FirstValueOid, "first", [value], false, null, value.Type));
        var rows = new NamedAggregate(_ids.New("rows", PgType.Int8), new BoundAggregate(2803, "count", [], false, null, PgType.Int8));
        var right = new LogicalAggregate(rowsPlan, keys, [first, rows]);
        VerifyColumns(right, "correlated scalar subquery that reads the outer query outside its WHERE");
        scalars.Add(CorrelatedJoin(right, body, keys, what));
        return CheckedSingleRow(first.Column, rows.Column);
    }

    /// <summary>
    /// A correlated scalar subquery with GROUP BY (and HAVING) or DISTINCT, possibly with ORDER BY ...
    /// LIMIT: bound like a LATERAL sub-query (its correlation keys become further grouping or
    /// DISTINCT keys, a LIMIT applies per key), then grouped by the keys into (first value, row count)
    /// and left-joined like a plain one; a key with two or more rows raises 21000 where its value is evaluated, an outer row
    /// without rows gets NULL.
    /// </summary>
    private BoundExpr BindCorrelatedGroupedRow(QueryTreeNode link, QueryTreeNode sub, ExpressionBinder outer, List<SubqueryJoin> scalars)
    {
        const string what = "correlated scalar subquery";
        if (sub.Bool("hasDistinctOn")) throw UnsupportedConstructException.NotYet($"{what} with DISTINCT ON");
        if (sub.List("groupingSets").Count > 0) throw UnsupportedConstructException.NotYet($"{what} with GROUPING SETS, ROLLUP or CUBE");
        if (sub.List("groupClause").Count == 0 && (sub.Bool("hasAggs") || !sub.IsNullField("havingQual")))
            throw UnsupportedConstructException.NotYet($"{what} of aggregates without GROUP BY that has HAVING or LIMIT/OFFSET (one aggregate row per outer row, which these may remove)");
        var conditions = new List<BoundExpr>();
        var (plan, columns, apply) = BindLateralQuery(sub, outer, conditions, what);
        if (apply is not null) throw UnsupportedConstructException.NotYet($"{what} of aggregates without GROUP BY");
        if (columns.Count != 1) throw link.Error($"scalar subquery with {columns.Count} columns");
        var carried = plan.Output.Skip(columns.Count).ToList();
        var keys = carried.Select(c => new NamedExpr(_ids.New("key", c.Type), new LogicalColumnRef(c))).ToList();
        var first = new NamedAggregate(_ids.New(columns[0].Name, columns[0].Type),
            new BoundAggregate(BoundAggregate.FirstValueOid, "first", [new LogicalColumnRef(columns[0])], false, null, columns[0].Type));
        var rows = new NamedAggregate(_ids.New("rows", PgType.Int8), new BoundAggregate(2803, "count", [], false, null, PgType.Int8));
        var right = new LogicalAggregate(plan, keys, [first, rows]);
        var toKey = carried.Zip(keys).ToDictionary(p => p.First.Id, p => p.Second.Column);
        var condition = PredicateSimplification.Conjunction(conditions)
            .RenameColumns(toKey);
        scalars.Add(new SubqueryJoin(right, LogicalJoinType.Left, condition, What: what));
        return CheckedSingleRow(first.Column, rows.Column);
    }

    private BoundExpr BindCorrelatedScalar(QueryTreeNode link, QueryTreeNode sub, ExpressionBinder outer, List<SubqueryJoin> scalars)
    {
        CheckQueryLevel(sub);
        _cteStack.Add(sub.List("cteList"));
        try
        {
            return BindCorrelatedScalarLevel(link, sub, outer, scalars);
        }
        finally
        {
            _cteStack.RemoveAt(_cteStack.Count - 1);
        }
    }

    private BoundExpr BindCorrelatedScalarLevel(QueryTreeNode link, QueryTreeNode sub, ExpressionBinder outer, List<SubqueryJoin> scalars)
    {
        var rangeTable = sub.List("rtable");
        var scope = new BindScope(rangeTable, (rti, attnum) => CreateScanColumn(rangeTable, rti, attnum)) { Query = sub };
        var binder = new ExpressionBinder(_envelope.Catalog, scope) { Outer = outer, Output = _envelope.Output, Locale = _envelope.Locale };
        var inner = new List<SubqueryJoin>();
        binder.SubLinkBinder = node => BindScalarSubquery(node, binder, inner);
        var jointree = sub.Field("jointree");
        var from = PrepareFrom(jointree, scope, binder);
        var where = BindWhere(jointree.Optional("quals"), binder);
        var targets = sub.List("targetList").Where(t => !t.Bool("resjunk")).ToList();
        if (targets.Count != 1) throw link.Error($"scalar subquery with {targets.Count} columns");
        var aggregates = new AggregateCollector(_ids);
        var value = binder.Bind(targets[0].Field("expr"), aggregates);
        var having = sub.Optional("havingQual") is { } h ? binder.Bind(h, aggregates) : null;

        var plan = from(scope);
        where.Plain.AddRange(binder.LiftedCorrelations);
        foreach (var s in inner) plan = s.Apply(plan);
        foreach (var j in GatesOutermost(where.Joins)) plan = j.Apply(plan);
        var produced = ColumnIds.Of(plan.Output);
        bool IsInner(BoundExpr e) => e.ReferencedColumns().Any() && e.ReferencedColumns().All(c => produced.Contains(c.Id));
        bool IsOuter(BoundExpr e) => e.ReferencedColumns().Any() && e.ReferencedColumns().All(c => !produced.Contains(c.Id));
        var local = new List<BoundExpr>();
        var keys = new List<NamedExpr>();
        var equalities = new List<(BoundFuncCall Eq, BoundExpr Outer, bool InnerFirst)>();
        var others = new List<BoundExpr>();
        foreach (var p in where.Plain)
        {
            if (p.ReferencedColumns().All(c => produced.Contains(c.Id)))
            {
                local.Add(p);
                continue;
            }
            if (p is BoundFuncCall { Args: [var a, var b] } eq && Physical.PhysicalPlanner.IsStrictComparison(eq) && (IsInner(a) && IsOuter(b) || IsInner(b) && IsOuter(a)))
            {
                bool innerFirst = IsInner(a);
                var key = innerFirst ? a : b;
                keys.Add(new NamedExpr(_ids.New("key", key.Type), key));
                equalities.Add((eq, innerFirst ? b : a, innerFirst));
                continue;
            }
            others.Add(p);
        }
        // Other correlation, or equalities around something that can raise: through the domain of
        // the outer columns (QueryBinder.Domain, QueryBinder.OuterRowDomain). The whole WHERE goes
        // into the domain join's filter (its own conjuncts too).
        bool mayRaise(IEnumerable<BoundExpr> conjuncts) => MayRaise([.. conjuncts, value, .. having is null ? [] : new[] { having }], aggregates.Aggregates);
        if (others.Count > 0 || keys.Count > 0 && mayRaise(where.Plain))
        {
            var decorrelated = DomainDecorrelate(plan, where.Plain, outer, out var reason);
            if (decorrelated is null && others.Count > 0)
                throw UnsupportedConstructException.NotYet($"correlated scalar subquery whose outer references are not equalities in its WHERE and that {reason}");
            // Without a domain, equalities stay grouped by their inner side: the subquery's own
            // conjuncts, the equalities' inner sides, its result and aggregates then run on all its
            // rows, also those no outer row matches, so it stays with PostgreSQL when one of them can
            // raise. An equality's outer side (do1.k + 1) runs per outer row in the join back, as in
            // PostgreSQL.
            if (decorrelated is null && mayRaise([.. local, .. keys.Select(k => k.Expr)]))
                throw UnsupportedConstructException.NotYet($"correlated scalar subquery that evaluates an expression that can raise on its own rows, correlated by equalities, and that {reason}");
            if (decorrelated is { } d)
            {
                plan = d.Plan;
                local.Clear();
                keys = [.. d.Correlations.Select(c => new NamedExpr(_ids.New("key", c.Inner.Type), c.Inner))];
                equalities = [.. d.Correlations.Select(c => (c.Eq, c.Outer, true))];
            }
        }
        if (keys.Count == 0) throw UnsupportedConstructException.NotYet("correlated scalar subquery that reads the outer query outside its WHERE");
        value = ReplaceGroupKeys(value, keys);
        var aggregateIds = aggregates.Aggregates.Select(a => a.Column.Id).ToHashSet();
        var computed = aggregateIds.Concat(keys.Select(k => k.Column.Id)).ToHashSet();
        if (value.ReferencedColumns().Any(c => !computed.Contains(c.Id)))
            throw UnsupportedConstructException.NotYet("correlated scalar subquery whose result reads columns other than its aggregates");
        if (having is not null)
        {
            // HAVING without GROUP BY: the one aggregate row is kept or removed (NULL) per outer row,
            // over its group's rows, or over no rows for an outer row without a group (below).
            having = ReplaceGroupKeys(having, keys);
            if (having.ReferencedColumns().Any(c => !computed.Contains(c.Id)))
                throw UnsupportedConstructException.NotYet("correlated scalar subquery whose HAVING reads columns other than its aggregates");
            value = new BoundCase([(having, value)], new BoundConst(null, value.Type), value.Type);
        }
        // An outer row without a group gets what the subquery gives over no rows: each aggregate of no
        // rows (0 for count, NULL for the others) put into the result expression. When that is NULL
        // anyway (a strict expression without count) the left join's NULL is the answer; otherwise a
        // marker column tells the two cases apart.
        bool emptyIsNull = having is null && IsStrictOver(value) && !aggregates.Aggregates.Any(a => IsCount(a.Aggregate));
        var empty = emptyIsNull ? null : value.TransformUp(e => e is LogicalColumnRef r && aggregates.Aggregates.FirstOrDefault(a => a.Column.Id == r.Column.Id) is { } a
            ? new BoundConst(IsCount(a.Aggregate) ? 0L : null, a.Column.Type)
            : e);
        if (empty is not null && empty.ReferencedColumns().Any())
            throw UnsupportedConstructException.NotYet("correlated scalar subquery whose result over no rows reads its correlation keys");
        if (local.Count > 0) plan = new LogicalFilter(plan, PredicateSimplification.Conjunction(local));
        var aggregate = new LogicalAggregate(plan, keys, aggregates.Aggregates);
        var keyOut = keys.Select(k => new NamedExpr(_ids.New(k.Column.Name, k.Column.Type), new LogicalColumnRef(k.Column))).ToList();
        var valueColumn = _ids.New(targets[0].Optional("resname")?.Text() ?? "?column?", value.Type);
        var outputs = new List<NamedExpr>([.. keyOut, new NamedExpr(valueColumn, value)]);
        LogicalColumn? marker = null;
        if (empty is not null)
        {
            marker = _ids.New("matched", PgType.Bool);
            outputs.Add(new NamedExpr(marker, new BoundConst(true, PgType.Bool)));
        }
        var right = new LogicalProject(aggregate, outputs);
        VerifyColumns(right, "correlated scalar subquery that reads the outer query outside its WHERE");
        var condition = equalities.Select((e, i) => (BoundExpr)new BoundFuncCall(e.Eq.FuncOid, e.Eq.Name,
            e.InnerFirst ? [new LogicalColumnRef(keyOut[i].Column), e.Outer] : [e.Outer, new LogicalColumnRef(keyOut[i].Column)], e.Eq.Type)).ToList();
        scalars.Add(new SubqueryJoin(right, LogicalJoinType.Left, PredicateSimplification.Conjunction(condition), What: "correlated scalar subquery"));
        if (marker is null) return new LogicalColumnRef(valueColumn);
        return new BoundCase([(new BoundNullTest(new LogicalColumnRef(marker), IsNotNull: false), empty!)], new LogicalColumnRef(valueColumn), value.Type);
    }

    /// <summary>count(*) (2803) and count(any) (2147): 0, not NULL, over no rows.</summary>
    private static bool IsCount(BoundAggregate a) => a.AggOid is 2803 or 2147;

    /// <summary>NULL whenever an input column is NULL: operators, functions, casts and constants only.</summary>
    private static bool IsStrictOver(BoundExpr e) => e switch
    {
        LogicalColumnRef or BoundConst => true,
        BoundRelabel r => IsStrictOver(r.Arg),
        BoundFuncCall f => f.Args.All(IsStrictOver),
        _ => false,
    };

    /// <summary>Whether a Query (JSON) reads a column of a query enclosing it (a Var whose varlevelsup reaches past it).</summary>
    private static bool ReadsOuter(QueryJsonValue e, int depth) =>
        AnyVar(e, depth, static (var, levelsUp, level) => levelsUp >= level);

    /// <summary>
    /// Whether a VAR in <paramref name="e"/> passes <paramref name="test"/>, given its node, its
    /// varlevelsup and the depth it stands at (<paramref name="depth"/> plus one per QUERY node
    /// entered on the way, that node included). Members named <paramref name="skip"/> are not walked.
    /// </summary>
    private static bool AnyVar(QueryJsonValue e, int depth, Func<QueryJsonValue, int, int, bool> test, string? skip = null)
    {
        switch (e.ValueKind)
        {
            case System.Text.Json.JsonValueKind.Object:
                bool hasKind = e.TryGetProperty("node", out var kind) && kind.ValueKind == System.Text.Json.JsonValueKind.String;
                if (hasKind && kind.ValueEquals("QUERY")) depth++;
                if (hasKind && kind.ValueEquals("VAR") && e.TryGetProperty("varlevelsup", out var up) && test(e, up.GetInt32(), depth)) return true;
                foreach (var p in e.EnumerateObject())
                {
                    if (skip is not null && p.NameEquals(skip)) continue;
                    if (AnyVar(p.Value, depth, test, skip)) return true;
                }
                return false;
            case System.Text.Json.JsonValueKind.Array:
                foreach (var item in e.EnumerateArray())
                    if (AnyVar(item, depth, test, skip)) return true;
                return false;
            default:
                return false;
        }
    }

    // subtrees that passed (an enclosing query level holds the levels it contains)
    private readonly LogicalPlanVerifier.Memo _verified = new();

    /// <summary>Every column an operator reads comes from its inputs; otherwise Unsupported with <paramref name="construct"/>.</summary>
    private void VerifyColumns(LogicalPlan plan, string construct)
    {
        try
        {
            LogicalPlanVerifier.Verify(plan, _verified);
        }
        catch (InvalidOperationException)
        {
            throw UnsupportedConstructException.NotYet(construct);
        }
    }
}
