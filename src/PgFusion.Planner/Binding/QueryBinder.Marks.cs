using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// EXISTS and IN/ANY subqueries inside an expression (under OR or NOT, in the select list, a
// correlated NOT IN): a mark join, a semi join that outputs whether each outer row has a match
// instead of filtering. It is built from operators the engine has: the subquery grouped by its
// correlation keys (and, for IN, its output) with a bool_or(true) marker, left-joined on the
// correlation equalities; the grouping makes at most one right row match, so the left join neither
// drops nor repeats outer rows, and a NULL marker means no match. IN keeps PostgreSQL's NULL rules
// with a second such join giving, per correlation key, whether the subquery has rows and whether one
// of its outputs is NULL:
//   x IN (sub) = CASE WHEN matched THEN true WHEN sub is empty THEN false
//                     WHEN x IS NULL OR sub has a NULL THEN NULL ELSE false END
public sealed partial class QueryBinder
{
    private const uint BoolOrOid = 2518;

    /// <summary>A subquery's rows and outputs, with its outer references as equalities inner = outer.</summary>
    private sealed record SubqueryBody(LogicalPlan Plan, IReadOnlyList<BoundExpr> Outputs, IReadOnlyList<Correlation> Correlations)
    {
        /// <summary>ORDER BY ... LIMIT/OFFSET of a LATERAL sub-query bound with a top-N (its sort keys over the body's rows).</summary>
        public TopN? Order { get; init; }

        /// <summary>
        /// A pulled-up LATERAL sub-query's WHERE conjuncts that read the outer query and are no
        /// correlation equality: conditions of the join that holds it, as PostgreSQL's are once the
        /// sub-query is pulled up (its own conjuncts stay its scan's quals).
        /// </summary>
        public IReadOnlyList<BoundExpr> JoinConjuncts { get; init; } = [];
    }

    private sealed record TopN(IReadOnlyList<LogicalSortKey> Keys, long Offset, long? Count);

    /// <summary>A WHERE conjunct <c>Eq(inner, outer)</c> (or with the arguments the other way round) of a correlated subquery.</summary>
    private sealed record Correlation(BoundFuncCall Eq, BoundExpr Inner, BoundExpr Outer, bool InnerFirst)
    {
        public BoundExpr JoinCondition(LogicalColumn innerKey) =>
            new BoundFuncCall(Eq.FuncOid, Eq.Name, InnerFirst ? [new LogicalColumnRef(innerKey), Outer] : [Outer, new LogicalColumnRef(innerKey)], Eq.Type);
    }

    /// <param name="negator">When set, the IN test uses this operator (the negator of the SubLink's own, for NOT of an ALL).</param>
    /// <param name="arm">One arm of a UNION the subquery is (QueryBinder.UnionMarks): the mark over that arm's rows only.</param>
    private BoundExpr BindMark(QueryTreeNode link, ExpressionBinder outer, List<SubqueryJoin> scalars, CatalogOperator? negator = null, UnionArm? arm = null)
    {
        if (arm is null && UnionArms(link) is { } arms) return BindUnionMark(link, arms, outer, scalars, negator);
        bool exists = link.Int32("subLinkType") == ExistsSubLink;
        string what = exists ? "EXISTS subquery inside an expression" : "IN/ANY subquery inside an expression";
        if (exists)
        {
            var body = BindMarkBody(arm?.Query ?? link.Field("subselect"), arm?.Outer ?? outer, what, exists: true);
            var (keys, marker) = (Keys(body), BoolOr("matched", new BoundConst(true, PgType.Bool)));
            var right = new LogicalAggregate(body.Plan, keys, [marker]);
            VerifyColumns(right, $"{what} that reads the outer query outside its WHERE equalities");
            scalars.Add(CorrelatedJoin(right, body, keys, what));
            // Uncorrelated: one row (bool_or of no rows is NULL); correlated: NULL when no group matched.
            return new BoundCoalesce([new LogicalColumnRef(marker.Column), new BoundConst(false, PgType.Bool)], PgType.Bool);
        }

        // The subquery is bound twice (match side and NULL facts): each plan needs its own column ids.
        var (match, test) = BindAnyBody(link, outer, what, negator, arm);
        var (facts, factTest) = BindAnyBody(link, outer, what, negator, arm);
        var matchKeys = Keys(match);
        var y = new NamedExpr(_ids.New("value", test.Inner.Type), test.Inner);
        var matched = BoolOr("matched", new BoundConst(true, PgType.Bool));
        var matchSide = new LogicalAggregate(match.Plan, [.. matchKeys, y], [matched]);
        VerifyColumns(matchSide, $"{what} that reads the outer query outside its WHERE equalities");
        var condition = match.Correlations.Select((c, i) => c.JoinCondition(matchKeys[i].Column)).Append(test.JoinCondition(y.Column)).ToList();
        scalars.Add(new SubqueryJoin(matchSide, LogicalJoinType.Left, PredicateSimplification.Conjunction(condition), What: what));

        var factKeys = Keys(facts);
        var nonEmpty = BoolOr("nonempty", new BoundConst(true, PgType.Bool));
        var hasNull = BoolOr("hasnull", new BoundNullTest(factTest.Inner, IsNotNull: false));
        var factSide = new LogicalAggregate(facts.Plan, factKeys, [nonEmpty, hasNull]);
        VerifyColumns(factSide, $"{what} that reads the outer query outside its WHERE equalities");
        scalars.Add(CorrelatedJoin(factSide, facts, factKeys, what));

        var nullBool = new BoundConst(null, PgType.Bool);
        return new BoundCase(
        [
            (new BoundNullTest(new LogicalColumnRef(matched.Column), IsNotNull: true), new BoundConst(true, PgType.Bool)),
            (new BoundNullTest(new LogicalColumnRef(nonEmpty.Column), IsNotNull: false), new BoundConst(false, PgType.Bool)),
            (new BoundBoolExpr(BoolOp.Or, [new BoundNullTest(test.Outer, IsNotNull: false), new LogicalColumnRef(hasNull.Column)]), nullBool),
        ], new BoundConst(false, PgType.Bool), PgType.Bool);
    }

    /// <summary>The subquery of an IN/ANY and its test as a correlation: a strict equality between an outer expression and the subquery's one output.</summary>
    private (SubqueryBody Body, Correlation Test) BindAnyBody(QueryTreeNode link, ExpressionBinder outer, string what, CatalogOperator? negator = null, UnionArm? arm = null)
    {
        var body = BindMarkBody(arm?.Query ?? link.Field("subselect"), arm?.Outer ?? outer, what, exists: false);
        if (body.Outputs.Count != 1) throw UnsupportedConstructException.NotYet($"{what} with {body.Outputs.Count} columns");
        if (arm?.Expected is { } expected && body.Outputs[0].Type != expected)
            throw UnsupportedConstructException.NotYet($"{what} over a UNION whose arms are correlated differently and whose arm gives {body.Outputs[0].Type} where the UNION gives {expected}");
        var saved = new Dictionary<int, BoundExpr>(outer.SubLinkParams);
        outer.SubLinkParams.Clear();
        outer.SubLinkParams[1] = body.Outputs[0];
        BoundExpr test;
        try
        {
            test = outer.Bind(link.Field("testexpr"));
            if (negator is not null && test is BoundFuncCall f)
                test = f with { FuncOid = negator.FuncId, Name = _envelope.Catalog.FunctionName(negator.FuncId)! };
        }
        finally
        {
            outer.SubLinkParams.Clear();
            foreach (var (k, v) in saved) outer.SubLinkParams[k] = v;
        }
        var produced = ColumnIds.Of(body.Plan.Output);
        bool Inner(BoundExpr e) => e.ReferencedColumns().Any() && e.ReferencedColumns().All(c => produced.Contains(c.Id));
        bool Outer(BoundExpr e) => e.ReferencedColumns().All(c => !produced.Contains(c.Id));
        if (test is BoundFuncCall { Args: [var a, var b] } eq && Physical.PhysicalPlanner.IsStrictComparison(eq) && (Inner(a) && Outer(b) || Inner(b) && Outer(a)))
        {
            bool innerFirst = Inner(a);
            return (body, new Correlation(eq, innerFirst ? a : b, innerFirst ? b : a, innerFirst));
        }
        throw UnsupportedConstructException.NotYet($"{what} whose test is not an equality (= ANY)");
    }

    /// <summary>
    /// A subquery's plan and outputs. A plain SELECT-FROM-WHERE may read the outer query in WHERE
    /// conjuncts inner_expr = outer_expr; any other subquery must be uncorrelated.
    /// </summary>
    /// <param name="allowTopN">Also a SELECT-FROM-WHERE with ORDER BY and LIMIT/OFFSET (a LATERAL top-N): its sort keys and counts come back in <see cref="SubqueryBody.Order"/>.</param>
    /// <param name="existsLimit">The sub-query of an EXISTS: a LIMIT that keeps a row is dropped (<see cref="IsExistsWithRedundantLimit"/>).</param>
    /// <param name="pulledUp">A LATERAL sub-query PostgreSQL pulls up: conjuncts reading the outer query that are no equality
    /// become <see cref="SubqueryBody.JoinConjuncts"/> instead of going through the domain of the outer columns.</param>
    private SubqueryBody BindSubqueryBody(QueryTreeNode sub, ExpressionBinder outer, string what, bool allowTopN = false, bool existsLimit = false, bool pulledUp = false)
    {
        if (!(allowTopN ? IsPlainSelectWithTopN(sub) : IsPlainSelect(sub) || (existsLimit && IsExistsWithRedundantLimit(sub, outer))))
        {
            if (ReadsOuter(sub.Element, 0)) throw UnsupportedConstructException.NotYet($"{Correlated(what)} {NotPlainReason(sub)}");
            var bound = BindQuery(sub);
            return new SubqueryBody(bound.Root, [.. bound.ResultColumns.Select(c => (BoundExpr)new LogicalColumnRef(c))], []);
        }
        CheckQueryLevel(sub);
        _cteStack.Add([]);
        try
        {
            var rangeTable = sub.List("rtable");
            var scope = new BindScope(rangeTable, (rti, attnum) => CreateScanColumn(rangeTable, rti, attnum));
            var binder = new ExpressionBinder(_envelope.Catalog, scope) { Outer = outer, Output = _envelope.Output, Locale = _envelope.Locale };
            var inner = new List<SubqueryJoin>();
            binder.SubLinkBinder = node => BindScalarSubquery(node, binder, inner);
            var jointree = sub.Field("jointree");
            var from = PrepareFrom(jointree, scope, binder);
            var where = BindWhere(jointree.Optional("quals"), binder);
            List<BoundExpr> outputs = [.. sub.List("targetList").Where(t => !t.Bool("resjunk")).Select(t => binder.Bind(t.Field("expr")))];
            var order = allowTopN ? BindTopN(sub, binder) : null;
            var plan = from(scope);
            where.Plain.AddRange(binder.LiftedCorrelations);
            foreach (var s in inner) plan = s.Apply(plan);
            foreach (var j in GatesOutermost(where.Joins)) plan = j.Apply(plan);
            var produced = ColumnIds.Of(plan.Output);
            bool Inner(BoundExpr e) => e.ReferencedColumns().Any() && e.ReferencedColumns().All(c => produced.Contains(c.Id));
            bool Outer(BoundExpr e) => e.ReferencedColumns().Any() && e.ReferencedColumns().All(c => !produced.Contains(c.Id));
            var local = new List<BoundExpr>();
            var correlations = new List<Correlation>();
            var others = new List<BoundExpr>();
            foreach (var p in where.Plain)
            {
                if (p.ReferencedColumns().All(c => produced.Contains(c.Id)))
                    local.Add(p);
                else if (p is BoundFuncCall { Args: [var a, var b] } eq && Physical.PhysicalPlanner.IsStrictComparison(eq) && (Inner(a) && Outer(b) || Inner(b) && Outer(a)))
                    correlations.Add(new Correlation(eq, Inner(a) ? a : b, Inner(a) ? b : a, Inner(a)));
                else
                    others.Add(p);
            }
            // A LATERAL top-N is rescanned per outer row by PostgreSQL, which tests its WHERE
            // (`b.c9 = $1` before a costlier qual) and computes its select list and sort keys only
            // on the rows of that outer row's values; grouped by the inner keys, pg_fusion would
            // evaluate them on every row of the sub-query (seed 703 case 222: substr(b.c3, 2147483647,
            // b.c1) raised 22011 on a row no outer row matches). When one can raise, it goes through
            // the domain as well (QueryBinder.OuterRowDomain).
            bool topNMayRaise = order is not null && correlations.Count > 0 && others.Count == 0
                && MayRaise([.. local, .. correlations.Select(c => c.Inner), .. outputs, .. order.Keys.Select(k => k.Expr)], null);
            if (pulledUp && order is null && others.Count > 0)
            {
                // Pulled up, the sub-query's WHERE is the parent's: its own conjuncts are its scan's quals,
                // evaluated on every row, and the others join conditions (seed 796 case 1508: `b.c4 >= a.c8`
                // beside `b.c6 LIKE substr(b.c6, 30, -2147483648)`, which PostgreSQL raises on b's row).
                var scanned = local.Count > 0 ? new LogicalFilter(plan, PredicateSimplification.Conjunction(local)) : plan;
                return new SubqueryBody(scanned, outputs, correlations) { JoinConjuncts = others };
            }
            if (others.Count > 0 || topNMayRaise)
            {
                // Other correlation: through the domain of the outer columns (QueryBinder.Domain),
                // the whole WHERE (its own conjuncts too) in the domain join's filter.
                var decorrelated = DomainDecorrelate(plan, where.Plain, outer, out var reason)
                    ?? throw UnsupportedConstructException.NotYet(others.Count > 0
                        ? $"{Correlated(what)} whose outer references are not equalities in its WHERE and that {reason}"
                        : $"{Correlated(what)} that evaluates an expression that can raise on its own rows, correlated by equalities, and that {reason}");
                return new SubqueryBody(decorrelated.Plan, outputs, decorrelated.Correlations) { Order = order };
            }
            if (local.Count > 0) plan = new LogicalFilter(plan, PredicateSimplification.Conjunction(local));
            return new SubqueryBody(plan, outputs, correlations) { Order = order };
        }
        finally
        {
            _cteStack.RemoveAt(_cteStack.Count - 1);
        }
    }

    private List<NamedExpr> Keys(SubqueryBody body) => [.. body.Correlations.Select(c => new NamedExpr(_ids.New("key", c.Inner.Type), c.Inner))];

    private NamedAggregate BoolOr(string name, BoundExpr arg) =>
        new(_ids.New(name, PgType.Bool), new BoundAggregate(BoolOrOid, "bool_or", [arg], false, null, PgType.Bool));

    /// <summary>Left join on the correlation equalities; uncorrelated, the (one-row) right side is cross-joined.</summary>
    private static SubqueryJoin CorrelatedJoin(LogicalPlan right, SubqueryBody body, IReadOnlyList<NamedExpr> keys, string what) =>
        keys.Count == 0
            ? new SubqueryJoin(right, LogicalJoinType.Inner, null)
            : new SubqueryJoin(right, LogicalJoinType.Left, PredicateSimplification.Conjunction([.. body.Correlations.Select((c, i) => c.JoinCondition(keys[i].Column))]), What: what);
}
