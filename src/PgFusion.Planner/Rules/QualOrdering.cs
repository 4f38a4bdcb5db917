using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Orders the conjuncts of every filter and join condition as PostgreSQL's createplan.c
/// (order_qual_clauses) orders the quals of a plan node: by estimated per-row cost, cheapest
/// first, a stable sort so equal costs keep their order. Which conjunct runs first decides which
/// run-time error (division by zero, overflow) a row raises, or whether one is raised at all when
/// an earlier conjunct already rejected the row; evaluating in PostgreSQL's order raises the
/// error PostgreSQL raises.
/// <para>
/// The cost is costsize.c's cost_qual_eval in units of cpu_operator_cost: each function or
/// operator call costs its pg_proc.procost (the envelope's catalog carries it), columns,
/// constants, AND/OR/NOT, CASE, COALESCE, IS NULL and binary-compatible casts cost nothing
/// themselves. An <c>x op ANY/ALL (array)</c>, which the binder expands into an OR/AND of
/// comparisons, costs procost × elements × 0.5 as in cost_qual_eval.
/// </para>
/// <para>
/// Before sorting, the conjuncts of a filter directly over a table scan are put in the order
/// PostgreSQL lists the restriction clauses of a base relation: a mergejoinable equality (an
/// <c>=</c> between two different expressions) is absorbed into an equivalence class and comes
/// back (generate_base_implied_equalities) after every other clause, so such equalities move to
/// the end, keeping their relative order.
/// </para>
/// </summary>
public sealed class QualOrdering(QueryCatalog catalog) : IRewriteRule
{
    public string Name => "qual_ordering";

    public LogicalPlan Apply(LogicalPlan plan) => plan.TransformUp(p => p switch
    {
        LogicalFilter f => Reorder(f.Predicate, baseRelation: f.Input is LogicalScan) is { } pred ? f with { Predicate = pred } : f,
        LogicalJoin { Condition: { } c } j => Reorder(c, baseRelation: false) is { } cond ? j with { Condition = cond } : j,
        _ => p,
    });

    /// <summary>The conjunction in PostgreSQL's evaluation order; null when that is already its order.</summary>
    private BoundExpr? Reorder(BoundExpr predicate, bool baseRelation)
    {
        if (predicate is not BoundBoolExpr { Op: BoolOp.And, Args.Count: > 1 } and) return null;
        IEnumerable<BoundExpr> listed = and.Args;
        if (baseRelation)
            listed = [.. and.Args.Where(a => !IsMergejoinableEquality(a)), .. and.Args.Where(IsMergejoinableEquality)];
        // OrderBy is a stable sort, as order_qual_clauses' insertion sort.
        var ordered = listed.OrderBy(Cost).ToList();
        return ordered.SequenceEqual(and.Args, ReferenceEqualityComparer.Instance) ? null : new BoundBoolExpr(BoolOp.And, ordered);
    }

    /// <summary>Per-row cost in units of cpu_operator_cost.</summary>
    public double Cost(BoundExpr e)
    {
        // A subexpression that reads no column is a Const by the time PostgreSQL costs it
        // (eval_const_expressions folded it), and a Const costs nothing.
        if (e is BoundFuncCall && !e.ReferencedColumns().Any()) return 0;
        switch (e)
        {
            case BoundFuncCall f:
                return FunctionCost(f.FuncOid) + f.Args.Sum(Cost);
            case BoundBoolExpr { Op: BoolOp.Or or BoolOp.And } b when ExpandedArrayOp(b) is { } op:
                // ScalarArrayOpExpr: the scalar once, each element once, the operator on half the elements.
                return Cost(op.Args[0]) + b.Args.Sum(a => Cost(((BoundFuncCall)a).Args[1])) + (FunctionCost(op.FuncOid) * b.Args.Count * 0.5);
            default:
                return e.Children().Sum(Cost);
        }
    }

    private double FunctionCost(uint oid) => catalog.Functions.TryGetValue(oid, out var f) ? f.Cost : 1;

    /// <summary>
    /// An OR (ANY) or AND (ALL) of two-argument calls of one function with the same first argument
    /// and constant second arguments: the binder's expansion of <c>x op ANY/ALL (ARRAY[...])</c>
    /// (an IN list). Its first call, or null.
    /// </summary>
    private static BoundFuncCall? ExpandedArrayOp(BoundBoolExpr b)
    {
        if (b.Args.Count < 2 || b.Args[0] is not BoundFuncCall { Args.Count: 2 } first) return null;
        if (b.FromScalarArray) return first;
        foreach (var a in b.Args)
        {
            if (a is not BoundFuncCall { Args.Count: 2 } call || call.FuncOid != first.FuncOid || call.Args[1] is not BoundConst
                || !BoundExprComparer.Instance.Equals(call.Args[0], first.Args[0]))
                return null;
        }
        return first;
    }

    /// <summary>
    /// An <c>=</c> operator call whose sides differ (x = x is no equivalence) and read a column:
    /// what distribute_qual_to_rels hands to process_equivalence. Every built-in <c>=</c> on the
    /// types pg_fusion supports is mergejoinable.
    /// </summary>
    private bool IsMergejoinableEquality(BoundExpr e) =>
        e is BoundFuncCall { Args.Count: 2 } f
        && catalog.OperatorOfFunction(f.FuncOid) is { Name: "=" }
        && !BoundExprComparer.Instance.Equals(f.Args[0], f.Args[1])
        && f.ReferencedColumns().Any();
}
