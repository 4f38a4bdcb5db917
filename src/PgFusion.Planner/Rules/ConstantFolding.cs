using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Folds what needs no function semantics: AND/OR/NOT over boolean constants, IS [NOT] NULL of a
/// constant, CASE branches with constant conditions, COALESCE over constants, relabels of text
/// constants. Function calls are never evaluated here, so run-time errors (1/0, overflow) stay
/// run-time errors; dropping a branch whose condition is constant false is what PostgreSQL's
/// eval_const_expressions does too.
/// </summary>
public sealed class ConstantFolding : IRewriteRule
{
    public string Name => "constant_folding";

    public LogicalPlan Apply(LogicalPlan plan) => plan.TransformUp(static p => p.MapExpressions(FoldAll));

    private static readonly Func<BoundExpr, BoundExpr> FoldAll = FoldTree;

    /// <summary>
    /// Folds bottom-up, except the element comparisons of an IN list's expansion
    /// (<see cref="BoundBoolExpr.FromScalarArray"/>): PostgreSQL keeps `x op ANY (ARRAY[..])` one
    /// ScalarArrayOpExpr, which simplify_boolean_equality does not look into, so
    /// `(b) NOT IN (false, true)` stays `b &lt;&gt; ALL ('{f,t}')` (costed as one) rather than becoming
    /// `b AND NOT b` (seed 531 case 135: the expansion then held a NOT where QualOrdering and the
    /// kernels expect calls). Only the comparisons' operands fold.
    /// </summary>
    /// <remarks>
    /// Likewise the <c>=</c> call inside an IS DISTINCT FROM or NULLIF expansion: PostgreSQL keeps a
    /// DistinctExpr or NullIfExpr one node while an argument is not constant (eval_const_expressions
    /// does not apply simplify_boolean_equality to it), costed as one call of its operator. Folding
    /// <c>false = c3</c> to <c>NOT c3</c> broke the shape <see cref="QualOrdering.OperatorOf"/> reads,
    /// so the expansion cost nothing and ran before a cheaper qual that overflows (seed 720 case 842).
    /// </remarks>
    private static BoundExpr FoldTree(BoundExpr e)
    {
        if (e is BoundBoolExpr { FromScalarArray: true } list)
            return Fold(list.MapChildren(static test => test is BoundFuncCall ? test.MapChildren(FoldTree) : FoldTree(test)));
        if (e is BoundCase { Origin: CaseOrigin.DistinctFrom or CaseOrigin.NullIf } c && QualOrdering.OperatorOf(c) is { } equal)
            return Fold(c.MapChildren(child => FoldKeepingCall(child, equal)));
        return Fold(e.MapChildren(FoldTree));
    }

    /// <summary>Folds <paramref name="e"/>, where <paramref name="call"/> (or NOT over it) keeps its node and folds only its operands.</summary>
    private static BoundExpr FoldKeepingCall(BoundExpr e, BoundFuncCall call) => e switch
    {
        _ when ReferenceEquals(e, call) => call.MapChildren(FoldTree),
        BoundBoolExpr { Op: BoolOp.Not, Args: [var inner] } not when ReferenceEquals(inner, call) => not with { Args = [call.MapChildren(FoldTree)] },
        _ => FoldTree(e),
    };

    public static BoundExpr Fold(BoundExpr e) => e switch
    {
        BoundBoolExpr { Op: BoolOp.And } b => FoldJunction(b, absorbing: false),
        BoundBoolExpr { Op: BoolOp.Or } b => FoldJunction(b, absorbing: true),
        BoundBoolExpr { Op: BoolOp.Not, Args: [BoundConst c] } => new BoundConst(c.Value is bool v ? !v : null, PgType.Bool),
        BoundBoolExpr { Op: BoolOp.Not, Args: [BoundBoolExpr { Op: BoolOp.And or BoolOp.Or, FromScalarArray: false } j] } when j.Args.Any(a => a is BoundConst) =>
            NegateJunctionWithConstant(j),
        BoundNullTest { Arg: BoundConst c } n => new BoundConst(n.IsNotNull == (c.Value is not null), PgType.Bool),
        BoundCase { Origin: CaseOrigin.Case } c => FoldCase(c),
        BoundCoalesce c => FoldCoalesce(c),
        BoundFuncCall { FuncOid: BoolEq or BoolNe, Args: [var l, var r] } f when l is BoundConst { Value: bool } ^ r is BoundConst { Value: bool } =>
            SimplifyBooleanEquality(f.FuncOid == BoolEq, l is BoundConst { Value: bool lv } ? (lv, r) : ((bool)((BoundConst)r).Value!, l)),
        BoundRelabel { Arg: BoundConst { Value: string or null } c } r when IsTextFamily(c.Type) && IsTextFamily(r.Type) => new BoundConst(c.Value, r.Type),
        _ => e,
    };

    private const uint BoolEq = 60;
    private const uint BoolNe = 84;

    /// <summary>
    /// eval_const_expressions' simplify_boolean_equality: <c>x = true</c> and <c>x &lt;&gt; false</c>
    /// are x, <c>x = false</c> and <c>x &lt;&gt; true</c> are NOT x (a NULL constant is left alone).
    /// The comparison is gone before the quals are costed and ordered (seed 515 case 3771:
    /// `(c1 NOT IN (...)) &lt;&gt; false` costs only its IN list and runs before a cheaper-looking
    /// BETWEEN that overflows).
    /// </summary>
    private static BoundExpr SimplifyBooleanEquality(bool equality, (bool Value, BoundExpr Other) operands) =>
        equality == operands.Value ? operands.Other : Negate(operands.Other);

    /// <summary>
    /// NOT over an AND/OR holding a constant, by De Morgan's law as eval_const_expressions' negate_clause
    /// does: NOT (x &lt; NULL OR x &gt; 7) (what NOT over NOT BETWEEN NULL AND 7 becomes) is NULL AND NOT (x &gt; 7),
    /// a conjunct that keeps no row, so the filter is PostgreSQL's one-time filter and nothing beneath it
    /// runs (no error is raised below it either). Only junctions with a constant operand are rewritten,
    /// so every other NOT keeps its shape.
    /// </summary>
    private static BoundExpr NegateJunctionWithConstant(BoundBoolExpr junction)
    {
        var dual = new BoundBoolExpr(junction.Op == BoolOp.And ? BoolOp.Or : BoolOp.And, [.. junction.Args.Select(Negate)]);
        return FoldJunction(dual, absorbing: dual.Op == BoolOp.Or);
    }

    /// <summary>
    /// negate_clause for one operand, as far as pg_fusion needs it: NOT of a boolean constant folds,
    /// NOT NOT x is x, NOT of IS [NOT] NULL flips it; anything else gets a NOT.
    /// </summary>
    internal static BoundExpr Negate(BoundExpr e) => e switch
    {
        BoundConst c => new BoundConst(c.Value is bool v ? !v : null, PgType.Bool),
        BoundBoolExpr { Op: BoolOp.Not, Args: [var inner] } => inner,
        BoundNullTest n => n with { IsNotNull = !n.IsNotNull },
        _ => new BoundBoolExpr(BoolOp.Not, [e]),
    };

    /// <summary>AND (absorbing = false) / OR (absorbing = true): the absorbing constant decides, the neutral one drops out.</summary>
    private static BoundExpr FoldJunction(BoundBoolExpr b, bool absorbing)
    {
        var args = new List<BoundExpr>(b.Args.Count);
        foreach (var a in b.Args)
        {
            if (a is BoundConst { Value: bool v })
            {
                if (v == absorbing) return new BoundConst(absorbing, PgType.Bool);
                continue;
            }
            args.Add(a);
        }
        if (args.Count == b.Args.Count) return b;
        return args.Count switch
        {
            0 => new BoundConst(!absorbing, PgType.Bool),
            1 => args[0],
            _ => b with { Args = args },
        };
    }

    private static BoundExpr FoldCase(BoundCase c)
    {
        var branches = new List<(BoundExpr When, BoundExpr Then)>(c.Branches.Count);
        foreach (var (when, then) in c.Branches)
        {
            if (when is BoundConst { Value: true })
            {
                if (branches.Count == 0) return then;
                return new BoundCase(branches, then, c.Type);
            }
            if (when is BoundConst) continue; // false or NULL never takes the branch
            branches.Add((when, then));
        }
        if (branches.Count == c.Branches.Count) return c;
        return branches.Count == 0 ? c.Else ?? new BoundConst(null, c.Type) : new BoundCase(branches, c.Else, c.Type);
    }

    private static BoundExpr FoldCoalesce(BoundCoalesce c)
    {
        var args = new List<BoundExpr>(c.Args.Count);
        foreach (var a in c.Args)
        {
            if (a is BoundConst { Value: null }) continue;
            args.Add(a);
            if (a is BoundConst) break; // a non-null constant ends the search
        }
        if (args.Count == c.Args.Count) return c;
        return args.Count switch
        {
            0 => new BoundConst(null, c.Type),
            1 when args[0].Type == c.Type => args[0],
            _ => c with { Args = args },
        };
    }

    private static bool IsTextFamily(PgType t) => t.Oid is PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar;
}
