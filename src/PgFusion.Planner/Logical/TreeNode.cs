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

    /// <summary>The plan and every operator under it, parents before their children.</summary>
    public static IEnumerable<LogicalPlan> Nodes(this LogicalPlan plan) => plan.Children.SelectMany(Nodes).Prepend(plan);

    public static BoundExpr TransformUp(this BoundExpr expr, Func<BoundExpr, BoundExpr> rewrite) =>
        Up(expr, rewrite, static (e, m) => e.MapChildren(m));

    public static BoundExpr TransformDown(this BoundExpr expr, Func<BoundExpr, BoundExpr> rewrite) =>
        Down(expr, rewrite, static (e, m) => e.MapChildren(m));

    /// <summary>
    /// The expression with every reference to a column keyed (by id) in <paramref name="replacements"/>
    /// replaced by its entry: a projection's defining expression when an expression moves below the
    /// projection, a constant, a placeholder. Replacements are not themselves rewritten.
    /// </summary>
    public static BoundExpr ReplaceColumns<T>(this BoundExpr expr, IReadOnlyDictionary<int, T> replacements) where T : BoundExpr =>
        expr.TransformUp(x => x is LogicalColumnRef r && replacements.TryGetValue(r.Column.Id, out var v) ? v : x);

    /// <summary>The expression with every reference to a column keyed (by id) in <paramref name="renames"/> reading the column it maps to instead.</summary>
    public static BoundExpr RenameColumns(this BoundExpr expr, IReadOnlyDictionary<int, LogicalColumn> renames) =>
        expr.TransformUp(x => x is LogicalColumnRef r && renames.TryGetValue(r.Column.Id, out var c) ? new LogicalColumnRef(c) : x);

    /// <summary>
    /// TransformUp with <paramref name="rewrite"/> as a function, made once: a rule that rewrites
    /// every expression of a plan keeps one (one walker for them all, not a walker and its
    /// delegate per expression).
    /// </summary>
    public static Func<BoundExpr, BoundExpr> TransformingUp(Func<BoundExpr, BoundExpr> rewrite) =>
        new Walker<BoundExpr>(rewrite, static (e, m) => e.MapChildren(m), up: true).Visit;

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

    /// <summary>
    /// Whether <paramref name="predicate"/> holds for every node of the expression (as
    /// Descendants().All, without the iterator and its stack: constant evaluation asks it of every
    /// expression it visits).
    /// </summary>
    public static bool AllNodes(this BoundExpr expr, Func<BoundExpr, bool> predicate)
    {
        if (!predicate(expr)) return false;
        var children = expr.Children();
        for (int i = 0; i < children.Count; i++)
            if (!AllNodes(children[i], predicate)) return false;
        return true;
    }

    /// <summary>Whether <paramref name="predicate"/> holds for some node of the expression (Descendants().Any, without the iterator).</summary>
    public static bool AnyNode(this BoundExpr expr, Func<BoundExpr, bool> predicate)
    {
        if (predicate(expr)) return true;
        var children = expr.Children();
        for (int i = 0; i < children.Count; i++)
            if (AnyNode(children[i], predicate)) return true;
        return false;
    }

    /// <summary>The logical columns an expression reads (pre-order, as <see cref="Descendants"/> meets them).</summary>
    public static IReadOnlyList<LogicalColumn> ReferencedColumns(this BoundExpr expr)
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
            // by index: a foreach over an IReadOnlyList allocates its enumerator
            case BoundFuncCall f:
                for (int i = 0; i < f.Args.Count; i++) CollectColumns(f.Args[i], columns);
                return;
            case BoundBoolExpr b:
                for (int i = 0; i < b.Args.Count; i++) CollectColumns(b.Args[i], columns);
                return;
            case BoundRelabel r:
                CollectColumns(r.Arg, columns);
                return;
            case BoundNullTest n:
                CollectColumns(n.Arg, columns);
                return;
            default:
                var children = e.Children();
                for (int i = 0; i < children.Count; i++) CollectColumns(children[i], columns);
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
