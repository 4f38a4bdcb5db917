using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Flattens nested AND/OR, removes duplicate operands, NOT NOT x -> x; drops filters that are
/// constant true and merges stacked filters into one conjunction. In a qual (a filter, a join
/// condition) it also drops the constants that canonicalize_qual drops (<see cref="CanonicalizeQual"/>).
/// </summary>
public sealed class PredicateSimplification : IRewriteRule
{
    public string Name => "predicate_simplification";

    private static readonly Func<BoundExpr, BoundExpr> SimplifyAll = TreeNode.TransformingUp(Simplify);

    public LogicalPlan Apply(LogicalPlan plan) => plan.TransformUp(static p =>
    {
        p = p.MapExpressions(SimplifyAll);
        p = p switch
        {
            LogicalFilter f => f with { Predicate = CanonicalizeQual(f.Predicate) },
            LogicalJoin { Kind: not LogicalJoinType.NullAwareAnti, Condition: { } c } j => j with { Condition = CanonicalizeQual(c) },
            LogicalApply { Kind: not LogicalJoinType.NullAwareAnti, Condition: { } c } a => a with { Condition = CanonicalizeQual(c) },
            _ => p,
        };
        return p switch
        {
            LogicalFilter { Predicate: BoundConst { Value: true } } f => f.Input,
            LogicalFilter { Input: LogicalFilter inner } outer =>
                inner with { Predicate = Simplify(new BoundBoolExpr(BoolOp.And, [inner.Predicate, outer.Predicate])) },
            _ => p,
        };
    });

    public static BoundExpr Simplify(BoundExpr e)
    {
        switch (e)
        {
            case BoundBoolExpr { Op: BoolOp.Not, Args: [BoundBoolExpr { Op: BoolOp.Not, Args: [var inner] }] }:
                return inner;
            case BoundBoolExpr { FromScalarArray: true }:
                // An IN list keeps every element, duplicates too: PostgreSQL's ScalarArrayOpExpr
                // costs (and evaluates) them all.
                return e;
            case BoundBoolExpr { Op: BoolOp.And or BoolOp.Or } b:
                var args = new List<BoundExpr>();
                bool changed = false;
                foreach (var a in b.Args)
                {
                    // An IN list stays one expression (PostgreSQL's ScalarArrayOpExpr).
                    var parts = a is BoundBoolExpr { FromScalarArray: false } nested && nested.Op == b.Op ? nested.Args : [a];
                    changed |= parts.Count != 1 || !ReferenceEquals(parts[0], a);
                    foreach (var part in parts)
                    {
                        if (args.Contains(part, BoundExprComparer.Instance))
                        {
                            changed = true;
                            continue;
                        }
                        args.Add(part);
                    }
                }
                if (!changed) return b;
                return args.Count == 1 ? args[0] : b with { Args = args };
            default:
                return e;
        }
    }

    /// <summary>
    /// What canonicalize_qual (find_duplicate_ors) does with the constants of a qual, where NULL and
    /// false both reject the row: through the qual's AND/OR tree (not into a NOT, nor into an IN
    /// list's expansion), an OR drops its false and NULL arms (a true arm makes it true; no arm left,
    /// false) and an AND drops its true arms (a false or NULL one makes it false; none left, true).
    /// `x &lt; 0 OR NULL`, what `x NOT BETWEEN 0 AND NULL` folds to, is then `x &lt; 0`: strict in x, so an
    /// outer join it sits over reduces, and it costs (and runs) as the one comparison (seed 797 case 604).
    /// Not for a NOT IN's null-aware condition, where NULL and false differ.
    /// </summary>
    public static BoundExpr CanonicalizeQual(BoundExpr qual)
    {
        if (qual is not BoundBoolExpr { Op: BoolOp.And or BoolOp.Or, FromScalarArray: false } junction) return qual;
        bool isOr = junction.Op == BoolOp.Or;
        var args = new List<BoundExpr>(junction.Args.Count);
        bool changed = false;
        foreach (var arg in junction.Args)
        {
            var canonical = CanonicalizeQual(arg);
            changed |= !ReferenceEquals(canonical, arg);
            if (canonical is BoundConst { Value: var value })
            {
                // OR: true decides, false and NULL drop out. AND: true drops out, false and NULL decide.
                if (value is true == isOr) return new BoundConst(isOr, PgType.Bool);
                changed = true;
                continue;
            }
            if (canonical is BoundBoolExpr { FromScalarArray: false } nested && nested.Op == junction.Op) args.AddRange(nested.Args);
            else args.Add(canonical);
        }
        if (!changed) return qual;
        return args.Count switch
        {
            0 => new BoundConst(!isOr, PgType.Bool),
            1 => args[0],
            _ => junction with { Args = args },
        };
    }

    internal static BoundExpr Conjunction(IReadOnlyList<BoundExpr> parts) =>
        parts.Count switch { 0 => new BoundConst(true, PgType.Bool), 1 => parts[0], _ => new BoundBoolExpr(BoolOp.And, parts) };
}
