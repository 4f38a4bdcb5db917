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
        // one list filled by recursion: the rules and the verifier ask this of every conjunct and
        // output, and an iterator with its stack (and a child array per unary node) cost more
        var columns = new List<LogicalColumn>();
        CollectColumns(expr, columns);
        return columns;
    }

    private static void CollectColumns(BoundExpr e, List<LogicalColumn> columns)
    {
        switch (e)
        {
            case LogicalColumnRef r:
                columns.Add(r.Column);
                return;
            case BoundConst:
                return;
            case BoundFuncCall f:
                foreach (var a in f.Args) CollectColumns(a, columns);
                return;
            case BoundBoolExpr b:
                foreach (var a in b.Args) CollectColumns(a, columns);
                return;
            case BoundRelabel r:
                CollectColumns(r.Arg, columns);
                return;
            case BoundNullTest n:
                CollectColumns(n.Arg, columns);
                return;
            default:
                foreach (var c in e.Children()) CollectColumns(c, columns);
                return;
        }
    }

    // One walker per transform (its recursion delegate made once), not a closure per node visited.
    private static T Up<T>(T node, Func<T, T> rewrite, Func<T, Func<T, T>, T> mapChildren) =>
        new Walker<T>(rewrite, mapChildren, up: true).Visit(node);

    private static T Down<T>(T node, Func<T, T> rewrite, Func<T, Func<T, T>, T> mapChildren) =>
        new Walker<T>(rewrite, mapChildren, up: false).Visit(node);

    private sealed class Walker<T>
    {
        private readonly Func<T, T> _rewrite;
        private readonly Func<T, Func<T, T>, T> _mapChildren;

        public Walker(Func<T, T> rewrite, Func<T, Func<T, T>, T> mapChildren, bool up)
        {
            _rewrite = rewrite;
            _mapChildren = mapChildren;
            Visit = up ? VisitUp : VisitDown;
        }

        public Func<T, T> Visit { get; }

        private T VisitUp(T node) => _rewrite(_mapChildren(node, Visit));

        private T VisitDown(T node) => _mapChildren(_rewrite(node), Visit);
    }
}
