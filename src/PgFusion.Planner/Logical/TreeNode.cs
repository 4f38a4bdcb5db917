using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// DataFusion's TreeNode for plans and expressions alike: TransformUp rewrites children first,
/// TransformDown the node first; both keep unchanged subtrees as the same objects.
/// </summary>
public static class TreeNode
{
    public static LogicalPlan TransformUp(this LogicalPlan plan, Func<LogicalPlan, LogicalPlan> rewrite) =>
        Up(plan, rewrite, static (p, m) => p.MapChildren(m));

    public static LogicalPlan TransformDown(this LogicalPlan plan, Func<LogicalPlan, LogicalPlan> rewrite) =>
        Down(plan, rewrite, static (p, m) => p.MapChildren(m));

    public static BoundExpr TransformUp(this BoundExpr expr, Func<BoundExpr, BoundExpr> rewrite) =>
        Up(expr, rewrite, static (e, m) => e.MapChildren(m));

    public static BoundExpr TransformDown(this BoundExpr expr, Func<BoundExpr, BoundExpr> rewrite) =>
        Down(expr, rewrite, static (e, m) => e.MapChildren(m));

    /// <summary>Every node of the expression, pre-order.</summary>
    public static IEnumerable<BoundExpr> Descendants(this BoundExpr expr)
    {
        // one iterator and an explicit stack (children pushed last first), not an iterator per level
        yield return expr;
        var children = expr.Children();
        if (children.Count == 0) yield break;
        var stack = new Stack<BoundExpr>();
        for (int i = children.Count - 1; i >= 0; i--) stack.Push(children[i]);
        while (stack.TryPop(out var e))
        {
            yield return e;
            var c = e.Children();
            for (int i = c.Count - 1; i >= 0; i--) stack.Push(c[i]);
        }
    }

    /// <summary>The logical columns an expression reads (pre-order, as <see cref="Descendants"/> meets them).</summary>
    public static IEnumerable<LogicalColumn> ReferencedColumns(this BoundExpr expr)
    {
        if (expr is LogicalColumnRef only) return [only.Column];
        if (expr is BoundConst) return [];
        return Columns(expr);

        static IEnumerable<LogicalColumn> Columns(BoundExpr expr)
        {
            foreach (var e in expr.Descendants())
                if (e is LogicalColumnRef r) yield return r.Column;
        }
    }

    private static T Up<T>(T node, Func<T, T> rewrite, Func<T, Func<T, T>, T> mapChildren) =>
        rewrite(mapChildren(node, c => Up(c, rewrite, mapChildren)));

    private static T Down<T>(T node, Func<T, T> rewrite, Func<T, Func<T, T>, T> mapChildren) =>
        mapChildren(rewrite(node), c => Down(c, rewrite, mapChildren));
}
