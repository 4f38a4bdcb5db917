using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Rules;

/// <summary>
/// What PostgreSQL's eval_const_expressions does with function calls over constants, run right
/// after binding: every constant subexpression is evaluated once at plan time, so an error it
/// raises (1/0, '3000000000'::int2, date 'infinity' - date 'infinity') is raised by planning, as in
/// PostgreSQL, even when no row would ever reach it. The value replaces the expression (unless the
/// evaluator has no constant form for its type: <see cref="Unfoldable"/>), so kernels do not
/// recompute `date '1994-01-01' + interval '1' year` per row, range filters see constant bounds,
/// and a WHERE conjunct that is constant false stops the query before any scan as PostgreSQL's
/// one-time filter does. The walk follows eval_const_expressions: AND stops at a constant false, OR at a
/// constant true, CASE skips arms whose condition is constant false and stops after a constant
/// true one, COALESCE stops after a constant non-NULL argument.
/// </summary>
/// <param name="pulledUp">Constant outputs of pulled-up sub-queries by column id
/// (<see cref="BoundQuery.PulledUpConstants"/>): substituted for the columns first, as PostgreSQL
/// substitutes them before folding.</param>
/// <param name="pulledUpOutputs">Every output of pulled-up sub-queries by column id
/// (<see cref="BoundQuery.PulledUpOutputs"/>): PostgreSQL substitutes them into the parent's
/// references and folds them only there, so a pulled-up select list is not folded on its own; an
/// output is evaluated (its errors raised) where the walk reaches a reference to it, and folded in
/// the sub-query's projection only when some reference was reached.</param>
/// <param name="placeHolderOutputs">Outputs of sub-queries pulled up where PostgreSQL wraps them in
/// PlaceHolderVars (<see cref="BoundQuery.PlaceHolderOutputs"/>: under grouping sets, on the
/// nullable side of an outer join): folded, like <paramref name="pulledUpOutputs"/>, only where the
/// walk reaches a reference, but the reference stays a column even when its contents fold to a
/// constant, as a PlaceHolderVar is never a Const.</param>
public sealed class ConstantEvaluation(Func<BoundExpr, object?> evaluate, Func<uint, bool>? isStrict = null,
    IReadOnlyDictionary<int, BoundExpr>? pulledUp = null, IReadOnlyDictionary<int, BoundExpr>? pulledUpOutputs = null,
    Func<uint, bool>? isEquality = null, IReadOnlyDictionary<int, BoundExpr>? placeHolderOutputs = null, bool estimate = false)
{
    /// <summary>Pulled-up outputs whose reference the walk reached (see <c>pulledUpOutputs</c>).</summary>
    private readonly HashSet<int> reachedOutputs = [];

    /// <summary>
    /// What the evaluator returns for a non-NULL value it has no constant form for: the
    /// expression stays (evaluated per row), known non-NULL.
    /// </summary>
    public static readonly object Unfoldable = new();

    /// <summary>
    /// Constant expressions evaluated to a non-NULL value but kept as expressions (Unfoldable, and
    /// immutable calls with a timestamptz result): COALESCE stops after one, as PostgreSQL stops after the
    /// Const it folds to.
    /// </summary>
    private readonly HashSet<BoundExpr> nonNullConstants = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Group keys whose expression is a reference to a pulled-up output that is no PlaceHolderVar's,
    /// by the aggregate's key column (<see cref="CollectGroupKeys"/>).
    /// </summary>
    private readonly Dictionary<int, BoundExpr> groupKeys = [];

    public LogicalPlan Apply(LogicalPlan plan)
    {
        CollectGroupKeys(plan);
        // PostgreSQL folds the select list first (subquery_planner's preprocess_expression of the
        // targetList, which holds the aggregates, GROUP BY and ORDER BY expressions), then the
        // WHERE and JOIN quals, then HAVING: when two constants would raise, the first in that
        // order wins. The walk below (bottom-up) meets WHERE before the select list, so the select
        // lists are evaluated once beforehand, only for their errors.
        foreach (var e in SelectLists(plan, isLevelRoot: true)) Evaluate(SubstitutePulledUp(e));
        // The arms of a set operation are query levels of their own, planned one after the other
        // (each its select list, then its quals): each is evaluated whole, in order, first.
        plan = ApplyToSetOperationArms(plan, isLevelRoot: true);
        plan = TransformLevel(plan, p => (IsPulledUpSelectList(p) ? p : p.MapExpressions(e => Evaluate(SubstitutePulledUp(e)))) switch
        {
        // A filter keeps only rows whose predicate is true: a conjunct that is constant NULL or
        // false rejects every row before any other conjunct runs (PostgreSQL's one-time filter).
        LogicalFilter { Predicate: BoundBoolExpr { Op: BoolOp.And } and var b } f
            when b.Args.Any(a => a is BoundConst { Value: null or false }) => f with { Predicate = new BoundConst(false, PgType.Bool) },
        LogicalFilter { Predicate: BoundConst { Value: null } } f => f with { Predicate = new BoundConst(false, PgType.Bool) },
        // So does a NOT over an OR with a constant NULL or true arm, once negate_clause pushes it down
        // (seed 770 case 694: NOT (x NOT BETWEEN NULL AND -2.75) is NULL AND x <= -2.75): the
        // outputs of a sub-query in FROM that only this filter read are then read by nothing, and
        // PostgreSQL never folds them (remove_unused_subquery_outputs).
        LogicalFilter f when KeepsNoRow(f.Predicate) => f with { Predicate = new BoundConst(false, PgType.Bool) },
        LogicalFilter { Predicate: BoundBoolExpr { Op: BoolOp.And, FromScalarArray: false } and var b, Input: not LogicalAggregate } f
            when EquatesTwoConstants(b.Args) => f with { Predicate = new BoundConst(false, PgType.Bool) },
        LogicalFilter { Input: not LogicalAggregate } f when SelfEqualitiesAsNotNull(f.Predicate) is { } notNull => f with { Predicate = notNull },
        var mapped => mapped,
        });
        // A pulled-up select list is folded only in the outputs whose reference the walk reached
        // (evaluated there already, so folding them again raises nothing new); the others stay
        // as they are (they are read nowhere now, or only under a constant-false filter).
        plan = TransformLevel(plan, p => p is LogicalProject project && IsPulledUpSelectList(project)
            ? project with { Exprs = [.. project.Exprs.Select(FoldPulledUpOutput)] }
            : p);
        return ApplyToPlannedSubqueries(plan);
    }

    /// <summary>
    /// The sub-queries in FROM that are query levels of their own (<see cref="LogicalPlan.PlannedSubquery"/>),
    /// after this level is folded whole: PostgreSQL plans them in make_one_rel (set_subquery_pathlist),
    /// after subquery_planner's preprocess_expression of the parent's select list, quals and HAVING, so
    /// the parent's errors come first (seed 503 case 3261: the outer WHERE's infinite timestamp
    /// subtraction before the LATERAL sub-query's int4 overflow). Before each is planned,
    /// remove_unused_subquery_outputs replaces the outputs the folded parent no longer reads by
    /// NULLs, which are never folded (seed 503 case 2236: a HAVING that canonicalize_qual made
    /// constant false no longer reads the output whose cast overflows); projection pruning drops
    /// them here. They are planned in range-table order, the plan's left-to-right order.
    /// </summary>
    private LogicalPlan ApplyToPlannedSubqueries(LogicalPlan level)
    {
        if (!HasPlannedSubquery(level, isLevelRoot: true)) return level;
        level = new ProjectionPruning(beforeFolding: true).Apply(level);
        return MapPlannedSubqueries(level, isLevelRoot: true);
    }

    private LogicalPlan MapPlannedSubqueries(LogicalPlan plan, bool isLevelRoot) =>
        !isLevelRoot && plan.PlannedSubquery ? Apply(plan)
        : IsDummySubqueryRelation(plan) ? plan
        : plan.MapChildren(c => MapPlannedSubqueries(c, isLevelRoot: false));

    /// <summary>
    /// Whether a WHERE keeps no row once eval_const_expressions has pushed its NOTs down
    /// (negate_clause, De Morgan): a constant false or NULL conjunct, or a NOT over an OR with a
    /// constant true or NULL arm (`NOT (x &lt; NULL OR x &gt; 7)`, what NOT over NOT BETWEEN NULL AND 7
    /// becomes, is `NULL AND x &lt;= 7`). ConstantFolding makes that rewrite later; the sub-queries in
    /// FROM are folded now, without the outputs only such a filter reads.
    /// </summary>
    private static bool KeepsNoRow(BoundExpr e) => e switch
    {
        BoundConst { Value: false or null } => true,
        BoundBoolExpr { Op: BoolOp.And } and => and.Args.Any(KeepsNoRow),
        BoundBoolExpr { Op: BoolOp.Not, Args: [var inner] } => NegationKeepsNoRow(inner),
        _ => false,
    };

    private static bool NegationKeepsNoRow(BoundExpr e) => e switch
    {
        BoundConst { Value: true or null } => true,
        BoundBoolExpr { Op: BoolOp.Or } or => or.Args.Any(NegationKeepsNoRow),
        BoundBoolExpr { Op: BoolOp.Not, Args: [var inner] } => KeepsNoRow(inner),
        _ => false,
    };

    /// <summary>
    /// The WHERE of a level whose only FROM item is a planned sub-query, folded to a constant false or
    /// NULL (canonicalize_qual makes an AND with one false), or, without WHERE, a HAVING without GROUP BY
    /// folded so (subquery_planner copies it to WHERE): the sub-query relation's one restriction clause
    /// is that constant, so relation_excluded_by_constraints marks it dummy in set_rel_size, before
    /// set_subquery_pathlist would plan it, and its constants are never folded (`SELECT * FROM (SELECT
    /// 1/0 FROM t LIMIT 5) s WHERE false` raises nothing). With a second FROM item the qual belongs to
    /// the join, and the sub-query is planned. Nothing of the sub-query runs either (OneTimeFilter).
    /// </summary>
    private static bool IsDummySubqueryRelation(LogicalPlan plan) => plan switch
    {
        LogicalFilter { Having: false, OneTime: false, Predicate: BoundConst { Value: false or null } } f => IsSoleSubquery(f.Input),
        LogicalFilter { Having: true, OverGroupingSets: false, Predicate: BoundConst { Value: false or null }, Input: LogicalAggregate { GroupKeys.Count: 0 } a } => IsSoleSubquery(a.Input),
        _ => false,
    };

    private static bool IsSoleSubquery(LogicalPlan plan) => plan.PlannedSubquery || plan is LogicalProject p && IsSoleSubquery(p.Input);

    private static bool HasPlannedSubquery(LogicalPlan plan, bool isLevelRoot) =>
        !isLevelRoot && plan.PlannedSubquery || plan.Children.Any(c => HasPlannedSubquery(c, isLevelRoot: false));

    /// <summary>TransformUp over this query level only: a planned sub-query (<see cref="LogicalPlan.PlannedSubquery"/>) below it is left as it is.</summary>
    private static LogicalPlan TransformLevel(LogicalPlan plan, Func<LogicalPlan, LogicalPlan> rewrite, bool isLevelRoot = true) =>
        !isLevelRoot && plan.PlannedSubquery ? plan : rewrite(plan.MapChildren(c => TransformLevel(c, rewrite, isLevelRoot: false)));

    private NamedExpr FoldPulledUpOutput(NamedExpr output)
    {
        if (reachedOutputs.Contains(output.Column.Id)) return output with { Expr = Evaluate(SubstitutePulledUp(output.Expr)) };
        // A constant output is substituted into its references before the walk, so whether one was
        // reached is not tracked: it is folded when that raises nothing (an error belongs to a
        // reference the walk reached, and was raised there).
        if (pulledUp is null || !pulledUp.ContainsKey(output.Column.Id)) return output;
        try
        {
            return output with { Expr = Evaluate(SubstitutePulledUp(output.Expr)) };
        }
        catch (PgFusionException)
        {
            return output;
        }
    }

    /// <summary>
    /// Two conjuncts equate one expression with two different constants (<c>1.5 = x AND 0.1 = x</c>):
    /// PostgreSQL puts the three in one equivalence class, whose constants compare at plan time
    /// (generate_base_implied_equalities_const, process_implied_equality folding <c>1.5 = 0.1</c>):
    /// a constant false gating qual, so no row is read. Only equalities of one operator whose two
    /// sides have one type (the constants then compare with it); a HAVING filter forms no class.
    /// </summary>
    private bool EquatesTwoConstants(IReadOnlyList<BoundExpr> conjuncts)
    {
        if (isEquality is null) return false;
        var seen = new List<(BoundFuncCall Call, BoundExpr Member, BoundConst Constant)>();
        foreach (var conjunct in conjuncts)
        {
            if (OneTypeEquality(conjunct) is not { } call) continue;
            var (l, r) = (call.Args[0], call.Args[1]);
            var (member, constant) = (l, r) switch
            {
                (BoundConst { Value: not null } c, var m) when m is not BoundConst => (m, c),
                (var m, BoundConst { Value: not null } c) when m is not BoundConst => (m, c),
                _ => ((BoundExpr?)null, (BoundConst?)null),
            };
            if (member is null || constant is null || !member.ReferencedColumns().Any()) continue;
            foreach (var (other, otherMember, otherConstant) in seen)
            {
                // A stable operator does not fold: the clause stays (process_implied_equality keeps it as a qual).
                if (other.FuncOid != call.FuncOid || !FunctionVolatility.IsImmutable(call.FuncOid) || !BoundExprComparer.Instance.Equals(member, otherMember)) continue;
                object? equal;
                try
                {
                    equal = evaluate(call with { Args = [otherConstant, constant] });
                }
#pragma warning disable CA1031 // not comparable at plan time here: leave the quals as they are
                catch (Exception)
#pragma warning restore CA1031
                {
                    continue;
                }
                if (equal is false) return true;
            }
            seen.Add((call, member, constant));
        }
        return false;
    }

    /// <summary>A conjunct that is an equality operator's call (isEquality) whose two sides have one type: an equivalence-class member to PostgreSQL.</summary>
    private BoundFuncCall? OneTypeEquality(BoundExpr conjunct) =>
        conjunct is BoundFuncCall { Args: [var l, var r] } call && l.Type == r.Type && isEquality!(call.FuncOid) ? call : null;

    /// <summary>
    /// A conjunct <c>X = X</c> (one btree equality operator, the same expression of columns on both
    /// sides): PostgreSQL's process_equivalence rejects it from the equivalence classes and puts
    /// back <c>X IS NOT NULL</c> (what a strict, reflexive equality means), which then costs only
    /// X and is ordered among the quals by that cost (seed 171 case 4678: <c>(c1 + c1) = (c1 + c1)</c>
    /// ran before an IN list, and its overflow was raised). Null when no conjunct has that form.
    /// </summary>
    private BoundExpr? SelfEqualitiesAsNotNull(BoundExpr predicate)
    {
        if (isEquality is null) return null;
        bool changed = false;
        BoundExpr Map(BoundExpr conjunct)
        {
            if (OneTypeEquality(conjunct) is { Args: [var l, var r] } && l.ReferencedColumns().Any() && BoundExprComparer.Instance.Equals(l, r))
            {
                changed = true;
                return new BoundNullTest(l, IsNotNull: true);
            }
            return conjunct;
        }
        var result = predicate is BoundBoolExpr { Op: BoolOp.And, FromScalarArray: false } and
            ? and with { Args = [.. and.Args.Select(Map)] }
            : Map(predicate);
        return changed ? result : null;
    }

    /// <summary>
    /// The group keys of plain GROUP BYs (no grouping sets: those wrap pulled-up outputs in
    /// PlaceHolderVars) that read a pulled-up output: pullup_replace_vars substitutes the output in
    /// the parent's select list, HAVING and ORDER BY, which read the key's column here, so a
    /// reference to the key column folds as the output does (<c>SELECT 65 % x ... GROUP BY x</c> with
    /// x = <c>7 / 31</c> divides by zero while planning). Every group's key has that value, so the
    /// constant replaces the column.
    /// </summary>
    private void CollectGroupKeys(LogicalPlan plan)
    {
        if (plan is LogicalAggregate aggregate)
        {
            foreach (var key in aggregate.GroupKeys)
            {
                if (key.Expr is LogicalColumnRef r && (pulledUp?.ContainsKey(r.Column.Id) == true || pulledUpOutputs?.ContainsKey(r.Column.Id) == true))
                    groupKeys[key.Column.Id] = key.Expr;
            }
        }
        foreach (var child in plan.Children) CollectGroupKeys(child);
    }

    /// <summary>The select list of a sub-query PostgreSQL pulls up (its outputs are in <c>pulledUpOutputs</c>).</summary>
    /// <remarks>
    /// Besides the outputs, a pulled-up LATERAL sub-query's projection passes its correlation keys through
    /// (plain columns, which fold to nothing): it is still a pulled-up select list (seed 799 case 5597: its
    /// `9223372036854775807::int4` was folded with the select lists, though only a WHERE conjunct after a
    /// constant false one read it).
    /// </remarks>
    private bool IsPulledUpSelectList(LogicalPlan plan) =>
        plan is LogicalProject { Exprs.Count: > 0 } project && (pulledUpOutputs is { Count: > 0 } || placeHolderOutputs is { Count: > 0 })
        && project.Exprs.Any(x => PulledUpOutput(x.Column.Id) is not null)
        && project.Exprs.All(x => PulledUpOutput(x.Column.Id) is not null || x.Expr is LogicalColumnRef);

    /// <summary>The expression of a pulled-up output (see <c>pulledUpOutputs</c>, <c>placeHolderOutputs</c>), or null.</summary>
    private (BoundExpr Expr, bool PlaceHolder)? PulledUpOutput(int columnId)
    {
        if (pulledUpOutputs is not null && pulledUpOutputs.TryGetValue(columnId, out var output)) return (output, false);
        if (placeHolderOutputs is not null && placeHolderOutputs.TryGetValue(columnId, out var wrapped)) return (wrapped, true);
        return null;
    }

    private static bool IsSetOperation(LogicalPlan plan) => plan is LogicalSetOp or LogicalUnionAll or LogicalRecursiveUnion;

    private LogicalPlan ApplyToSetOperationArms(LogicalPlan plan, bool isLevelRoot = false)
    {
        if (!isLevelRoot && plan.PlannedSubquery) return plan; // folded after this level
        // A flattened UNION ALL: the pulled-up arms' select lists are folded first (with the parent
        // query's expressions), the other arms when they are planned, after.
        if (plan is LogicalUnionAll { AppendRelMembers: not null } union)
            foreach (var e in AppendRelSelectLists(union)) Evaluate(SubstitutePulledUp(e));
        if (IsSetOperation(plan)) return plan.WithChildren([.. plan.Children.Select(Apply)]);
        if (plan.Children.Count == 0) return plan;
        var children = plan.Children.Select(c => ApplyToSetOperationArms(c)).ToList();
        return children.SequenceEqual(plan.Children) ? plan : plan.WithChildren(children);
    }

    /// <summary>The select lists of a flattened UNION ALL's pulled-up arms, nested UNION ALLs of the same tree included, in order.</summary>
    private IEnumerable<BoundExpr> AppendRelSelectLists(LogicalUnionAll union)
    {
        for (int i = 0; i < union.Inputs.Count; i++)
        {
            var arm = union.Inputs[i];
            var kind = union.AppendRelMembers is { } members && i < members.Count ? members[i] : AppendRelArm.Planned;
            if (kind == AppendRelArm.PulledUp)
            {
                foreach (var e in SelectLists(arm)) yield return e;
            }
            else if (kind == AppendRelArm.Nested && (arm is LogicalProject { Input: LogicalUnionAll n } ? n : arm as LogicalUnionAll) is { } nested)
            {
                foreach (var e in AppendRelSelectLists(nested)) yield return e;
            }
        }
    }

    /// <summary>
    /// Expressions of projections, aggregates and sorts of this query level, outermost first (not
    /// into set-operation arms, nor pulled-up select lists, which are folded through their references,
    /// nor planned sub-queries, folded after this level).
    /// </summary>
    private IEnumerable<BoundExpr> SelectLists(LogicalPlan plan, bool isLevelRoot = false)
    {
        if (!isLevelRoot && plan.PlannedSubquery) yield break; // folded after this level
        if ((plan is LogicalProject or LogicalAggregate or LogicalSort) && !IsPulledUpSelectList(plan))
            foreach (var e in plan.Expressions) yield return e;
        if (IsSetOperation(plan)) yield break;
        foreach (var child in plan.Children)
            foreach (var e in SelectLists(child)) yield return e;
    }

    private BoundExpr SubstitutePulledUp(BoundExpr e) => pulledUp is not { Count: > 0 } map ? e
        : e.ReplaceColumns(map);

    public BoundExpr Evaluate(BoundExpr e)
    {
        if (e is BoundConst) return e;
        if (e is LogicalColumnRef r && PulledUpOutput(r.Column.Id) is { } output)
        {
            // A reference to a pulled-up output: PostgreSQL folds the substituted expression here.
            // The reference stays (the sub-query's projection computes it) unless it folds to a
            // constant and is not a PlaceHolderVar's.
            // estimate_expression_value strips a PlaceHolderVar (it estimates that no outer join forces
            // its contents to NULL), so in estimation its contents fold into the expression around it.
            reachedOutputs.Add(r.Column.Id);
            var contents = Evaluate(SubstitutePulledUp(output.Expr));
            if (contents is BoundConst c && (!output.PlaceHolder || estimate)) return c;
            return estimate && IsConstant(contents) ? contents : e;
        }
        if (e is LogicalColumnRef k && groupKeys.TryGetValue(k.Column.Id, out var key))
        {
            // A group key of a plain GROUP BY that is a pulled-up output: PostgreSQL substituted the
            // output into the select list and HAVING as into GROUP BY, and folds it there too.
            return Evaluate(SubstitutePulledUp(key)) is BoundConst c ? c : e;
        }
        if (e is not (BoundBoolExpr or BoundCase or BoundCoalesce) && IsConstant(e))
        {
            if (!e.AnyNode(static d => d is BoundFuncCall))
            {
                // IS [NOT] NULL of a literal (IS DISTINCT FROM's expansion has them) is a constant
                // boolean too: a CASE arm it guards must not be evaluated when it is false.
                // IS NULL of COALESCE(constants) too: the COALESCE folds to its first non-NULL constant.
                if (e is not BoundNullTest n) return e;
                var arg = n.Arg is BoundConst ? n.Arg : Evaluate(n.Arg);
                return arg is BoundConst c ? new BoundConst((c.Value is not null) == n.IsNotNull, PgType.Bool) : n with { Arg = arg };
            }
            object? value;
            try
            {
                value = evaluate(e);
            }
            catch (PgFusionException)
            {
                throw; // PostgreSQL raises this while planning
            }
#pragma warning disable CA1031 // anything else (an unsupported function): PostgreSQL must fold it
            catch (Exception ex)
#pragma warning restore CA1031
            {
                // PostgreSQL evaluates it while planning, and may raise; dropping it (a NULL
                // conjunct beside it) would hide that error, so PostgreSQL runs the query.
                throw UnsupportedConstructException.NotYet($"constant expression pg_fusion cannot evaluate at plan time ({ex.Message})");
            }
            // A NULL folds to a NULL constant (which a strict function or a WHERE then folds further).
            if (value is null) return new BoundConst(null, e.Type);
            // An immutable call with a timestamptz result stays an expression, evaluated (its
            // errors raised) and known non-NULL; the plan is cached across sessions. (The stable
            // calls that read the TimeZone are not evaluated at all: IsConstant.)
            if (ReferenceEquals(value, Unfoldable) || e.Type.Oid == PgTypeOid.Timestamptz)
            {
                nonNullConstants.Add(e);
                return e;
            }
            return new BoundConst(value, e.Type);
        }
        switch (e)
        {
            case BoundBoolExpr { FromScalarArray: true } array when !IsConstant(array):
            {
                // One ScalarArrayOpExpr to PostgreSQL: its constant elements are folded, the element
                // tests are not (x <> NULL in a NOT IN list does not make the list NULL).
                var tests = array.Args.Select(t => t.MapChildren(Evaluate)).ToList();
                var folded = array with { Args = tests };
                // Every argument folded to a constant (COALESCE('a', x) IN (...)): the
                // ScalarArrayOpExpr is a constant call now, evaluated as simplify_function does.
                return IsConstant(folded) ? Evaluate(folded) : folded;
            }
            case BoundBoolExpr { Op: BoolOp.And or BoolOp.Or } b:
            {
                // simplify_and_arguments / simplify_or_arguments: the absorbing constant stops the
                // walk, the neutral one drops out, a NULL goes last; no argument left is the neutral value.
                bool absorbing = b.Op == BoolOp.Or;
                var args = new List<BoundExpr>(b.Args.Count);
                bool sawNull = false;
                foreach (var a in b.Args)
                {
                    var m = Evaluate(a);
                    if (m is BoundConst { Value: bool v })
                    {
                        if (v == absorbing) return new BoundConst(absorbing, PgType.Bool);
                        continue;
                    }
                    if (m is BoundConst { Value: null })
                    {
                        sawNull = true;
                        continue;
                    }
                    args.Add(m);
                }
                if (sawNull) args.Add(new BoundConst(null, PgType.Bool));
                return args.Count switch { 0 => new BoundConst(!absorbing, PgType.Bool), 1 => args[0], _ => b with { Args = args } };
            }
            case BoundBoolExpr { Op: BoolOp.Not, Args: [var arg] } not:
            {
                var m = Evaluate(arg);
                if (m is BoundConst { Value: var v }) return new BoundConst(v is bool x ? !x : null, PgType.Bool);
                return ReferenceEquals(m, arg) ? not : not with { Args = [m] };
            }
            case BoundCase { Origin: CaseOrigin.DistinctFrom } c when QualOrdering.OperatorOf(c) is { Args: [var left, var right] } eq:
            {
                // eval_const_expressions folds a DistinctExpr's arguments and keeps the node whole
                // unless they all fold to constants: x IS DISTINCT FROM NULL stays one operator call
                // (costed so by QualOrdering), not a NULL test that sorts before cheaper quals and
                // raises where PostgreSQL never evaluates it. (A NULLIF with a NULL operand does sort
                // first in PostgreSQL: regressions/distinct_from_null_constant_cost.slt.)
                var a = Evaluate(left);
                var b = Evaluate(right);
                var kept = BoundCase.DistinctFrom(eq with { Args = [a, b] });
                return a is BoundConst && b is BoundConst ? Evaluate(kept with { Origin = CaseOrigin.Case }) : kept;
            }
            case BoundCase { Origin: not CaseOrigin.Case } c:
            {
                // A DistinctExpr / NullIfExpr is one node to PostgreSQL: its arguments fold, and it
                // becomes a constant only when they all do; its shape stays (it costs as one operator).
                var folded = c.MapChildren(Evaluate);
                // All constant: evaluated as the CASE it expands to (an operator call of constants).
                return IsConstant(folded) ? Evaluate(((BoundCase)folded) with { Origin = CaseOrigin.Case }) : folded;
            }
            case BoundCase c:
            {
                var branches = new List<(BoundExpr When, BoundExpr Then)>(c.Branches.Count);
                foreach (var (when, then) in c.Branches)
                {
                    var w = Evaluate(when);
                    if (w is BoundConst { Value: null or false }) continue;
                    var t = Evaluate(then);
                    if (w is BoundConst { Value: true })
                        return branches.Count == 0 ? t : c with { Branches = branches, Else = t };
                    branches.Add((w, t));
                }
                var el = c.Else is { } x ? Evaluate(x) : null;
                return branches.Count == 0 ? el ?? new BoundConst(null, c.Type) : c with { Branches = branches, Else = el };
            }
            case BoundCoalesce co:
            {
                // PostgreSQL folds each argument; a NULL constant drops out, a non-NULL constant ends
                // the list (the arguments after it are never evaluated) and, when first, is the result.
                var args = new List<BoundExpr>(co.Args.Count);
                foreach (var a in co.Args)
                {
                    var m = Evaluate(a);
                    if (m is BoundConst { Value: null }) continue;
                    bool nonNull = m is BoundConst || nonNullConstants.Contains(m);
                    if (nonNull && args.Count == 0 && m.Type == co.Type) return m;
                    args.Add(m);
                    if (nonNull) break;
                }
                return args.Count == 0 ? new BoundConst(null, co.Type) : co with { Args = args };
            }
            default:
                var mapped = e.MapChildren(Evaluate);
                // A strict function with a NULL constant argument is NULL, whatever its other arguments.
                if (mapped is BoundFuncCall f && isStrict is not null && isStrict(f.FuncOid) && f.Args.Any(a => a is BoundConst { Value: null }))
                    return new BoundConst(null, f.Type);
                // Its arguments folded to constants (textnlike(COALESCE('zz', x), '%')): a call of
                // constants now, which eval_const_expressions evaluates (simplify_function).
                if (!ReferenceEquals(mapped, e) && IsConstant(mapped)) return Evaluate(mapped);
                return mapped;
        }
    }

    /// <summary>
    /// What eval_const_expressions evaluates: reads no column, made only of constants and the
    /// expression kinds below, and every call's function is immutable (<see cref="FunctionVolatility"/>:
    /// a stable call such as date_out or timestamptz(date) stays a call, evaluated at run time).
    /// With <c>estimate</c> (estimate_expression_value, what the selectivity estimators run on a
    /// clause's pseudo-constant operand: <see cref="PlanTimeEstimateCheck"/>) stable calls are
    /// evaluated too.
    /// </summary>
    private bool IsConstant(BoundExpr e) => e.AllNodes(d => d is BoundConst or BoundBoolExpr
        or BoundNullTest or BoundRelabel or BoundCase or BoundCoalesce || d is BoundFuncCall f && (estimate || FunctionVolatility.IsImmutable(f.FuncOid)));
}
