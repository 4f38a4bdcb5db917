using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>Children of an expression node and <c>MapChildren</c> for expressions (the plan side is on <see cref="LogicalPlan"/>).</summary>
public static class BoundExprChildren
{
    public static IReadOnlyList<BoundExpr> Children(this BoundExpr e) => e switch
    {
        BoundFuncCall f => f.Args,
        BoundBoolExpr b => b.Args,
        BoundNullTest n => [n.Arg],
        BoundRelabel r => [r.Arg],
        BoundCase c => [.. c.Branches.SelectMany(b => new[] { b.When, b.Then }), .. c.Else is { } el ? new[] { el } : []],
        BoundCoalesce c => c.Args,
        _ => [],
    };

    /// <summary>Maps each child; returns <paramref name="e"/> itself when no child changed.</summary>
    public static BoundExpr MapChildren(this BoundExpr e, Func<BoundExpr, BoundExpr> map)
    {
        switch (e)
        {
            case BoundFuncCall f:
                var fa = MapList(f.Args, map);
                return ReferenceEquals(fa, f.Args) ? e : f with { Args = fa };
            case BoundBoolExpr b:
                var ba = MapList(b.Args, map);
                return ReferenceEquals(ba, b.Args) ? e : b with { Args = ba };
            case BoundNullTest n:
                var na = map(n.Arg);
                return ReferenceEquals(na, n.Arg) ? e : n with { Arg = na };
            case BoundRelabel r:
                var ra = map(r.Arg);
                return ReferenceEquals(ra, r.Arg) ? e : r with { Arg = ra };
            case BoundCase c:
                bool changed = false;
                var branches = new List<(BoundExpr When, BoundExpr Then)>(c.Branches.Count);
                foreach (var (when, then) in c.Branches)
                {
                    var w = map(when);
                    var t = map(then);
                    changed |= !ReferenceEquals(w, when) || !ReferenceEquals(t, then);
                    branches.Add((w, t));
                }
                var el = c.Else is { } x ? map(x) : null;
                changed |= !ReferenceEquals(el, c.Else);
                return changed ? c with { Branches = branches, Else = el } : e;
            case BoundCoalesce co:
                var ca = MapList(co.Args, map);
                return ReferenceEquals(ca, co.Args) ? e : co with { Args = ca };
            default:
                return e;
        }
    }

    private static IReadOnlyList<BoundExpr> MapList(IReadOnlyList<BoundExpr> items, Func<BoundExpr, BoundExpr> map)
    {
        BoundExpr[]? mapped = null;
        for (int i = 0; i < items.Count; i++)
        {
            var m = map(items[i]);
            if (!ReferenceEquals(m, items[i]))
            {
                mapped ??= [.. items];
                mapped[i] = m;
            }
        }
        return mapped is null ? items : mapped;
    }
}
