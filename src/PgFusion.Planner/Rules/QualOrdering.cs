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
/// comparisons, costs procost × elements × 0.5 as in cost_qual_eval, or one hash function and
/// one operator call when PostgreSQL hashes it (a constant list of 9 or more elements).
/// </para>
/// <para>
/// Before sorting, the conjuncts of a filter that holds a relation's restriction list
/// (<see cref="HoldsRestrictionList"/>: over a table, VALUES, or a sub-query scan) are put in the order
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
        LogicalFilter f => Reorder(f.Predicate, baseRelation: HoldsRestrictionList(f)) is { } pred ? f with { Predicate = pred } : f,
        LogicalJoin { Condition: { } c } j => Reorder(c, baseRelation: false) is { } cond ? j with { Condition = cond } : j,
        _ => p,
    });

    /// <summary>
    /// Whether the filter holds the restriction list of one relation PostgreSQL scans: a table (also
    /// cross-joined with InitPlan or free EXISTS marks), a VALUES list (a UNION ALL of rows), a
    /// materialized WITH query, or a sub-query PostgreSQL does not pull up (aggregates, DISTINCT,
    /// LIMIT, ORDER BY, window functions, set operations), whose Subquery Scan filters by that list,
    /// or into which set_subquery_pathlist pushes the list in its order, where the sub-query's own
    /// relation lists it again with the equalities last. Not a HAVING (its quals stay as written)
    /// nor the quals left over a join (they read two relations).
    /// </summary>
    internal static bool HoldsRestrictionList(LogicalFilter f) =>
        !f.Having && (IsRelation(f.Input) || PredicatePushdown.IsScanWithInitPlanMark(f.Input) || PredicatePushdown.IsScanWithExistsMark(f.Input));

    private static bool IsRelation(LogicalPlan plan) => plan switch
    {
        LogicalScan or LogicalCteScan or LogicalWorkTableScan => true,
        LogicalUnionAll or LogicalSetOp or LogicalRecursiveUnion or LogicalAggregate or LogicalLimit or LogicalPartitionLimit or LogicalSort or LogicalWindow => true,
        // A materialized WITH query's select list; a sub-query's select list over its grouping, limit or set operation
        // (predicate pushdown moves a filter below the select list of one PostgreSQL pulls up).
        LogicalProject { KeepAll: true } => true,
        LogicalProject p => p.Input is not (LogicalScan or LogicalFilter or LogicalJoin) && IsRelation(p.Input),
        _ => false,
    };

    /// <summary>The conjunction in PostgreSQL's evaluation order; null when that is already its order.</summary>
    private BoundExpr? Reorder(BoundExpr predicate, bool baseRelation)
    {
        var quals = new List<BoundExpr>();
        Expand(predicate, quals);
        if (quals.Count == 1) return ReferenceEquals(quals[0], predicate) ? null : quals[0];
        var listed = Listed(quals, baseRelation);
        // A qual reading no column (a stable call over constants, which does not fold) is a
        // pseudoconstant to PostgreSQL: the One-Time Filter of a gating Result, evaluated before
        // any row of the node beneath, so it goes first. OrderBy is a stable sort, as
        // order_qual_clauses' insertion sort.
        var ordered = listed.Where(IsPseudoconstant).Concat(listed.Where(q => !IsPseudoconstant(q)).OrderBy(Cost)).ToList();
        return predicate is BoundBoolExpr { Op: BoolOp.And } and && ordered.SequenceEqual(and.Args, ReferenceEqualityComparer.Instance)
            ? null
            : new BoundBoolExpr(BoolOp.And, ordered);
    }

    /// <summary>
    /// The quals in the order PostgreSQL lists them before sorting by cost: for a base relation, the
    /// mergejoinable equalities last (they come back from their equivalence classes).
    /// </summary>
    public IReadOnlyList<BoundExpr> Listed(IReadOnlyList<BoundExpr> quals, bool baseRelation) =>
        baseRelation ? [.. quals.Where(a => !IsMergejoinableEquality(a)), .. quals.Where(IsMergejoinableEquality)] : quals;

    /// <summary>
    /// The quals of a predicate as PostgreSQL lists them: the arguments of AND, and a NOT over an
    /// OR split by De Morgan's law (eval_const_expressions' negate_clause turns NOT (a OR b) into
    /// (NOT a) AND (NOT b), which make_ands_implicit then splits into two quals, each costed and
    /// ordered on its own). An IN list's AND stays one qual.
    /// </summary>
    private static void Expand(BoundExpr e, List<BoundExpr> quals)
    {
        switch (e)
        {
            case BoundBoolExpr { Op: BoolOp.And, FromScalarArray: false } and:
                foreach (var a in and.Args) Expand(a, quals);
                return;
            case BoundBoolExpr { Op: BoolOp.Not, Args: [BoundBoolExpr { Op: BoolOp.Or, FromScalarArray: false } or] }:
                foreach (var a in or.Args) Expand(ConstantFolding.Negate(a), quals);
                return;
            default:
                quals.Add(e);
                return;
        }
    }

    /// <summary>A qual that reads no column nor PlaceHolderVar (left unfolded because it calls a stable function).</summary>
    internal static bool IsPseudoconstant(BoundExpr qual) => !qual.ReferencedColumns().Any() && !HasPlaceholder(qual) && CallsStable(qual);

    private static bool CallsStable(BoundExpr e) => e.AnyNode(static d => d is BoundFuncCall f && !FunctionVolatility.IsImmutable(f.FuncOid));

    /// <summary>PostgreSQL's default cpu_operator_cost: add_function_cost charges procost times it.</summary>
    internal const double CpuOperatorCost = 0.0025;

    /// <summary>
    /// Per-row cost as cost_qual_eval computes it: a double summed in the walker's order (each node
    /// before its children), procost × cpu_operator_cost per call, so that two quals PostgreSQL
    /// finds equal (or not, by a rounding) compare the same way here.
    /// </summary>
    public double Cost(BoundExpr e)
    {
        double total = 0;
        Walk(e, ref total);
        return total;
    }

    private void Walk(BoundExpr e, ref double total)
    {
        // A subexpression that reads no column is a Const by the time PostgreSQL costs it
        // (eval_const_expressions folded it), and a Const costs nothing; unless it calls a stable
        // function, which is not folded and costs its calls.
        // A PlaceHolderVar is no Const, and costs nothing itself.
        if (e is BoundFuncCall or BoundCase { Origin: not CaseOrigin.Case } && !e.ReferencedColumns().Any() && !HasPlaceholder(e) && !CallsStable(e)) return;
        switch (e)
        {
            case BoundRelabel { Placeholder: true }:
                return;
            case BoundFuncCall f:
                // CoerceViaIO charges the result type's input function, then the argument type's output function.
                if (f.ViaIo) total += CpuOperatorCost;
                total += FunctionCost(f.FuncOid) * CpuOperatorCost;
                foreach (var a in f.Args) Walk(a, ref total);
                return;
            case BoundCase { Origin: CaseOrigin.MinMax or CaseOrigin.MinMaxStep, Branches: [(_, var v), _, _], Else: { } acc } c:
                // MinMaxExpr: one cpu_operator_cost for the node (cost_qual_eval_walker), then each
                // argument once: the chain's accumulated value (Else) and this level's argument.
                if (c.Origin == CaseOrigin.MinMax) total += CpuOperatorCost;
                Walk(acc, ref total);
                Walk(v, ref total);
                return;
            case BoundCase { Origin: not CaseOrigin.Case } c when OperatorOf(c) is { } op:
                // DistinctExpr / NullIfExpr: one call of the = operator, then its two arguments.
                Walk(op, ref total);
                return;
            case BoundBoolExpr { Op: BoolOp.Or or BoolOp.And } b when ExpandedArrayOp(b) is { } op:
                // ScalarArrayOpExpr: hashed, one hash function call (procost 1) and one operator call;
                // else the operator on half the elements. Then the scalar and the elements.
                if (IsHashedArrayOp(b, op)) total += CpuOperatorCost + FunctionCost(op.FuncOid) * CpuOperatorCost;
                else total += FunctionCost(op.FuncOid) * CpuOperatorCost * b.Args.Count * 0.5;
                Walk(op.Args[0], ref total);
                foreach (var a in b.Args) Walk(((BoundFuncCall)a).Args[1], ref total);
                return;
            default:
                foreach (var c in e.Children()) Walk(c, ref total);
                return;
        }
    }

    private static bool HasPlaceholder(BoundExpr e) => e is BoundRelabel { Placeholder: true } || e.Children().Any(HasPlaceholder);

    /// <summary>The <c>=</c> call of an IS DISTINCT FROM or NULLIF expansion, when its shape is intact.</summary>
    internal static BoundFuncCall? OperatorOf(BoundCase c) => c switch
    {
        { Origin: CaseOrigin.DistinctFrom, Else: BoundBoolExpr { Op: BoolOp.Not, Args: [BoundFuncCall { Args.Count: 2 } eq] } } => eq,
        { Origin: CaseOrigin.NullIf, Branches: [(BoundFuncCall { Args.Count: 2 } eq, _)] } => eq,
        _ => null,
    };

    /// <summary>convert_saop_to_hashed_saop's threshold (MIN_ARRAY_SIZE_FOR_HASHED_SAOP).</summary>
    private const int MinArraySizeForHashedSaop = 9;

    /// <summary>Types whose <c>=</c> belongs to a hash operator family, with one hash function for both sides.</summary>
    private static readonly HashSet<uint> HashableTypes = [16, 17, 18, 19, 20, 21, 23, 25, 26, 700, 701, 1042, 1082, 1083, 1114, 1184, 1186, 1700, 2950];

    /// <summary>
    /// Whether PostgreSQL (14+) evaluates this IN list with a hash table: preprocess_expression runs
    /// convert_saop_to_hashed_saop after folding, before any costing, and it hashes an array that is
    /// a constant (every element folds) of at least 9 elements (NULLs counted) when the operator is
    /// <c>=</c> (IN, useOr) or a <c>&lt;&gt;</c> whose negator is one (NOT IN), and
    /// get_op_hash_functions gives the same hash function for both operands (same-type operators
    /// here: int4 = int8 hashes its sides with hashint4 and hashint8, and stays a linear search).
    /// </summary>
    private bool IsHashedArrayOp(BoundBoolExpr b, BoundFuncCall op)
    {
        if (b.Args.Count < MinArraySizeForHashedSaop) return false;
        if (b.Args.Any(a => a is not BoundFuncCall { Args.Count: 2 } call || call.Args[1].ReferencedColumns().Any())) return false;
        if (catalog.OperatorOfFunction(op.FuncOid) is not { } o || o.Left != o.Right || !HashableTypes.Contains(o.Left)) return false;
        return b.Op == BoolOp.Or ? o.Name == "=" : o.Name == "<>" && o.Negator != 0;
    }

    /// <summary>
    /// pg_proc.procost; 0 for the planner's own checks (OIDs from 0xFFFFFF00, as pgfusion_single_row in
    /// a scalar subquery's value), which stand for a Param or SubPlan output that PostgreSQL reads as is.
    /// </summary>
    private double FunctionCost(uint oid) => oid >= 0xFFFF_FF00 ? 0 : catalog.Functions.TryGetValue(oid, out var f) ? f.Cost : 1;

    /// <summary>
    /// The binder's expansion of <c>x op ANY/ALL (ARRAY[...])</c> (an IN list), marked
    /// <see cref="BoundBoolExpr.FromScalarArray"/>: its first call, or null. An OR or AND the query
    /// wrote itself stays a BoolExpr in PostgreSQL 15 and costs each of its calls, however alike
    /// they are (seed 515 case 1757: `c4 LIKE 'x%' AND c4 LIKE '%c'` inside a CASE costs two
    /// calls, which puts the qual after a cheaper numeric cast that overflows).
    /// </summary>
    private static BoundFuncCall? ExpandedArrayOp(BoundBoolExpr b) =>
        b.FromScalarArray && b.Args.Count >= 2 && b.Args[0] is BoundFuncCall { Args.Count: 2 } first ? first : null;

    /// <summary>
    /// An <c>=</c> operator call whose sides differ (x = x is no equivalence) and read a column or a
    /// PlaceHolderVar (no pseudoconstant then):
    /// what distribute_qual_to_rels hands to process_equivalence. Every built-in <c>=</c> on the
    /// types pg_fusion supports is mergejoinable.
    /// NOT (x &lt;&gt; y) is one too: negate_clause replaces it by its negator, <c>=</c>.
    /// </summary>
    private bool IsMergejoinableEquality(BoundExpr e) => e switch
    {
        BoundFuncCall f => IsEqualityCall(f, "="),
        BoundBoolExpr { Op: BoolOp.Not, Args: [BoundFuncCall f] } => IsEqualityCall(f, "<>"),
        _ => false,
    };

    private bool IsEqualityCall(BoundFuncCall f, string op) =>
        f.Args.Count == 2
        && catalog.OperatorOfFunction(f.FuncOid)?.Name == op
        && !BoundExprComparer.Instance.Equals(f.Args[0], f.Args[1])
        && (f.ReferencedColumns().Any() || HasPlaceholder(f));
}
