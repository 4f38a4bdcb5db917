using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Flattens nested AND/OR, removes duplicate operands, NOT NOT x -> x; drops filters that are
/// constant true and merges stacked filters into one conjunction.
/// </summary>
public sealed class PredicateSimplification : IRewriteRule
{
    public string Name => "predicate_simplification";

    private static readonly Func<BoundExpr, BoundExpr> SimplifyAll = TreeNode.TransformingUp(Simplify);

    public LogicalPlan Apply(LogicalPlan plan) => plan.TransformUp(static p =>
    {
        p = p.MapExpressions(SimplifyAll);
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

    internal static BoundExpr Conjunction(IReadOnlyList<BoundExpr> parts) =>
        parts.Count switch { 0 => new BoundConst(true, PgType.Bool), 1 => parts[0], _ => new BoundBoolExpr(BoolOp.And, parts) };
}
