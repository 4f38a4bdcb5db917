using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;
using PgFusion.Types;

namespace PgFusion.Planner;

/// <summary>
/// PostgreSQL's planner estimates the selectivity of every restriction clause (clauselist_selectivity
/// over a relation's quals, through AND, OR and NOT): an operator clause goes to the operator's
/// restriction estimator (eqsel, neqsel, scalarltsel, patternsel for LIKE / ILIKE / regular
/// expressions, ...; a DistinctExpr to its = operator's), whose get_restriction_variable runs
/// estimate_expression_value on the operand that reads no column of the relation; scalararraysel runs
/// it on both sides of an IN list / ANY / ALL. estimate_expression_value folds like
/// eval_const_expressions but evaluates STABLE functions too, so an operand such as
/// <c>(TIMESTAMPTZ 'infinity')::date - (TIMESTAMP '-infinity')::date</c> raises 22008 while the
/// query is planned, before any row is read, over an empty table as well (seed 640 case 2592).
/// pg_fusion's ConstantEvaluation evaluates only immutable calls (as eval_const_expressions does)
/// and would return no rows. This check, run before any constant is evaluated, evaluates those
/// operands the way estimate_expression_value does; when one raises, the query goes to PostgreSQL,
/// which raises exactly what and when it would (its order among other plan-time errors included).
/// <para>
/// It errs towards PostgreSQL: every qual (WHERE, JOIN ... ON, HAVING, and the conditions of
/// sub-queries) is checked, also where PostgreSQL may estimate nothing (a clause of one relation whose
/// both sides read columns, a join clause, which PostgreSQL evaluates only when it costs a
/// parameterized path with the other relation's columns as constants), since a query whose constant
/// raises is only sent to PostgreSQL, never made to raise here. A clause that reads no column at all
/// is a pseudo-constant gating qual, which PostgreSQL does not estimate; NULL tests, boolean tests and
/// other expressions used as a clause go to estimators that evaluate nothing (nulltestsel,
/// booltestsel, boolvarsel). Select lists are never estimated.
/// </para>
/// <para>
/// estimate_expression_value also strips PlaceHolderVars, which eval_const_expressions keeps (it folds
/// only their contents): a pulled-up sub-query's constant output wrapped in one under grouping sets or
/// above the outer join that nulls it folds into the operand around it only when estimated. So
/// <c>65 % x1 NOT IN (71, 11)</c> under ROLLUP, x1 = <c>7 / 31</c>, divides by zero in scalararraysel
/// (which estimates both operands), while <c>65 % x1 = 71</c> raises nothing there (the PlaceHolderVar
/// is its relation's variable, so eqsel estimates only the constant): seed 690 case 1951.
/// </para>
/// </summary>
internal static class PlanTimeEstimateCheck
{
    /// <summary>
    /// The two evaluations: <paramref name="Folder"/> as eval_const_expressions (immutable calls only)
    /// and <paramref name="Estimator"/> as estimate_expression_value (stable calls too). Only an operand
    /// that raises in the second alone is left to PostgreSQL; an immutable error is ConstantEvaluation's.
    /// </summary>
    /// <param name="PlaceHolders">The outputs of pulled-up sub-queries that PostgreSQL wraps in
    /// PlaceHolderVars (<see cref="BoundQuery.PlaceHolderOutputs"/>): eval_const_expressions folds only
    /// their contents and keeps the PlaceHolderVar, estimate_expression_value strips it, so an operand
    /// over one can raise in the estimate alone, stable call or not.</param>
    public sealed record Evaluators(ConstantEvaluation Folder, ConstantEvaluation Estimator,
        IReadOnlyDictionary<int, BoundExpr>? PlaceHolders = null);

    public static void Check(LogicalPlan plan, Evaluators estimator, Func<BoundExpr, BoundExpr> resolve)
    {
        var groupKeys = new Dictionary<int, BoundExpr>();
        CollectGroupKeys(plan, groupKeys, estimator.PlaceHolders);
        Check(plan, estimator, resolve, groupKeys);
    }

    private static void Check(LogicalPlan plan, Evaluators estimator, Func<BoundExpr, BoundExpr> resolve, Dictionary<int, BoundExpr> groupKeys)
    {
        foreach (var qual in Quals(plan))
            CheckClause(resolve(groupKeys.Count == 0 ? qual : qual.ReplaceColumns(groupKeys)), estimator);
        foreach (var child in plan.Children) Check(child, estimator, resolve, groupKeys);
    }

    /// <summary>
    /// A HAVING reads a group key as the key's column, PostgreSQL's HAVING the key expression itself
    /// (a PlaceHolderVar under grouping sets, which keeps HAVING there and estimates it in cost_agg):
    /// the key columns whose expression is a pulled-up output, by column id. Under grouping sets the
    /// key passes through the branch's projection, the branch's aggregate and the projection below
    /// that computes every key (QueryBinder.ComputeKeysBelow).
    /// </summary>
    private static void CollectGroupKeys(LogicalPlan plan, Dictionary<int, BoundExpr> keys, IReadOnlyDictionary<int, BoundExpr>? placeHolders)
    {
        if (placeHolders is not { Count: > 0 }) return;
        // each column's definitions: one, or one per UNION ALL branch
        var definitions = new Dictionary<int, List<BoundExpr>>();
        void Define(int id, BoundExpr e)
        {
            if (!definitions.TryGetValue(id, out var list)) definitions[id] = list = [];
            list.Add(e);
        }
        void Collect(LogicalPlan p)
        {
            switch (p)
            {
                case LogicalAggregate a:
                    foreach (var k in a.GroupKeys) Define(k.Column.Id, k.Expr);
                    break;
                case LogicalProject project when !project.PulledUpSelectList:
                    foreach (var e in project.Exprs) Define(e.Column.Id, e.Expr);
                    break;
                case LogicalUnionAll union:
                    foreach (var arm in union.Inputs)
                        for (int i = 0; i < union.Columns.Count && i < arm.Output.Count; i++)
                            Define(union.Columns[i].Id, new LogicalColumnRef(arm.Output[i]));
                    break;
            }
            foreach (var child in p.Children) Collect(child);
        }
        Collect(plan);
        // a chain of plain column references down to a PlaceHolderVar's output (a grouping set's branch
        // where the key is NULL says nothing of it)
        LogicalColumnRef? Trace(int id, int depth)
        {
            if (depth > 16 || !definitions.TryGetValue(id, out var list)) return null;
            foreach (var definition in list)
            {
                var d = definition is BoundRelabel { Placeholder: true } wrapped ? wrapped.Arg : definition;
                if (d is not LogicalColumnRef r) continue;
                if (placeHolders.ContainsKey(r.Column.Id)) return r;
                if (Trace(r.Column.Id, depth + 1) is { } source) return source;
            }
            return null;
        }
        foreach (var id in definitions.Keys)
            if (Trace(id, 0) is { } source) keys[id] = source;
    }

    /// <summary>Checks one condition (a sub-query's WHERE that no row meets, BoundQuery.PlanTimeOnly).</summary>
    public static void CheckCondition(BoundExpr condition, Evaluators estimator, Func<BoundExpr, BoundExpr> resolve) =>
        CheckClause(resolve(condition), estimator);

    private static IEnumerable<BoundExpr> Quals(LogicalPlan plan) => plan switch
    {
        LogicalFilter f => [f.Predicate],
        LogicalJoin { Condition: { } c } => [c],
        LogicalApply { Condition: { } c } => [c],
        _ => [],
    };

    /// <summary>clause_selectivity's walk: AND / OR / NOT recurse, an operator clause is estimated.</summary>
    private static void CheckClause(BoundExpr clause, Evaluators estimator)
    {
        switch (clause)
        {
            case BoundBoolExpr { FromScalarArray: true } array:
                // scalararraysel: estimate_expression_value on the scalar and on the array (each element)
                foreach (var test in array.Args)
                    foreach (var operand in test.Children()) Estimate(operand, estimator);
                return;
            case BoundBoolExpr b:
                foreach (var a in b.Args) CheckClause(a, estimator);
                return;
            case BoundRelabel r:
                CheckClause(r.Arg, estimator);
                return;
            case BoundCase { Origin: CaseOrigin.DistinctFrom } c when QualOrdering.OperatorOf(c) is { Args: [var l, var r] }:
                CheckOperands(l, r, estimator);
                return;
            case BoundFuncCall { Args: [var l, var r] } when clause.Type.Oid == PgTypeOid.Bool:
                CheckOperands(l, r, estimator);
                return;
        }
    }

    /// <summary>
    /// get_restriction_variable: the operand that reads no column is estimated when the other reads
    /// some. Two operands that both read columns: estimated too (see the class comment), but only for
    /// their stable calls: a PlaceHolderVar there is a variable of its relation to
    /// get_restriction_variable, which strips nothing (lateral_pulled_up_output_folded_at_reference.slt,
    /// <c>a.c1 IS DISTINCT FROM (- l.x2)</c> over a nullable-side output runs in pg_fusion).
    /// </summary>
    private static void CheckOperands(BoundExpr left, BoundExpr right, Evaluators estimator)
    {
        bool leftReads = ReadsColumns(left), rightReads = ReadsColumns(right);
        if (!leftReads && !rightReads) return; // a pseudo-constant clause: a gating qual, never estimated
        bool both = leftReads && rightReads;
        if (!leftReads || rightReads) Estimate(left, estimator, placeHoldersStripped: !both);
        if (!rightReads || leftReads) Estimate(right, estimator, placeHoldersStripped: !both);
    }

    private static bool ReadsColumns(BoundExpr e) => e.AnyNode(static n => n is LogicalColumnRef or BoundColumnRef);

    private static void Estimate(BoundExpr operand, Evaluators estimator, bool placeHoldersStripped = true)
    {
        // Without a stable call or a PlaceHolderVar both evaluations are the same, and ConstantEvaluation's
        // is the one that counts.
        var placeHolders = placeHoldersStripped ? estimator.PlaceHolders : null;
        if (!operand.AnyNode(n => n is BoundFuncCall f && !FunctionVolatility.IsImmutable(f.FuncOid)
                || n is LogicalColumnRef r && placeHolders is not null && placeHolders.ContainsKey(r.Column.Id))) return;
        try
        {
            estimator.Folder.Evaluate(operand);
        }
        catch (PgFusionException)
        {
            // An immutable part raises: eval_const_expressions raises it before any estimate, and so
            // does ConstantEvaluation here, in PostgreSQL's order (a false AND arm first, and so on).
            return;
        }
        try
        {
            estimator.Estimator.Evaluate(operand);
        }
        catch (PgFusionException e)
        {
            throw new UnsupportedConstructException(
                $"a clause operand that raises while PostgreSQL's planner estimates the clause's selectivity ({e.SqlState}: {e.Message}); PostgreSQL raises it while planning");
        }
    }
}
