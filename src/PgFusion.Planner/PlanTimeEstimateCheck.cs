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
/// </summary>
internal static class PlanTimeEstimateCheck
{
    /// <summary>
    /// The two evaluations: <paramref name="Folder"/> as eval_const_expressions (immutable calls only)
    /// and <paramref name="Estimator"/> as estimate_expression_value (stable calls too). Only an operand
    /// that raises in the second alone is left to PostgreSQL; an immutable error is ConstantEvaluation's.
    /// </summary>
    public sealed record Evaluators(ConstantEvaluation Folder, ConstantEvaluation Estimator);

    public static void Check(LogicalPlan plan, Evaluators estimator, Func<BoundExpr, BoundExpr> resolve)
    {
        foreach (var qual in Quals(plan)) CheckClause(resolve(qual), estimator);
        foreach (var child in plan.Children) Check(child, estimator, resolve);
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
    /// some. Two operands that both read columns: estimated too (see the class comment).
    /// </summary>
    private static void CheckOperands(BoundExpr left, BoundExpr right, Evaluators estimator)
    {
        bool leftReads = ReadsColumns(left), rightReads = ReadsColumns(right);
        if (!leftReads && !rightReads) return; // a pseudo-constant clause: a gating qual, never estimated
        if (!leftReads || rightReads) Estimate(left, estimator);
        if (!rightReads || leftReads) Estimate(right, estimator);
    }

    private static bool ReadsColumns(BoundExpr e) => e.AnyNode(static n => n is LogicalColumnRef or BoundColumnRef);

    private static void Estimate(BoundExpr operand, Evaluators estimator)
    {
        // Without a stable call both evaluations are the same, and ConstantEvaluation's is the one that counts.
        if (!operand.AnyNode(static n => n is BoundFuncCall f && !FunctionVolatility.IsImmutable(f.FuncOid))) return;
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
