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
        yield return expr;
        foreach (var c in expr.Children())
            foreach (var d in c.Descendants())
                yield return d;
    }

    /// <summary>The logical columns an expression reads.</summary>
    public static IEnumerable<LogicalColumn> ReferencedColumns(this BoundExpr expr) =>
        expr.Descendants().OfType<LogicalColumnRef>().Select(r => r.Column);

    private static T Up<T>(T node, Func<T, T> rewrite, Func<T, Func<T, T>, T> mapChildren) =>
        rewrite(mapChildren(node, c => Up(c, rewrite, mapChildren)));

    private static T Down<T>(T node, Func<T, T> rewrite, Func<T, Func<T, T>, T> mapChildren) =>
        mapChildren(rewrite(node), c => Down(c, rewrite, mapChildren));
}
