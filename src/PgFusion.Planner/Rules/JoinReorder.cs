using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Planner.JoinOrder;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Physical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Join ordering: each maximal tree of inner, left, right (flipped to left), semi and anti joins
/// becomes a query hypergraph over its inputs (leaves: anything else, reordered inside first; full
/// joins and NOT IN's null-aware anti joins are leaves too). Conflict rules from
/// <see cref="ConflictDetector"/> keep outer, semi and anti joins valid; DPHyp finds the cheapest
/// bushy tree without cross products (greedy above the pair budget). Rows come from the physical
/// planner's estimates (reltuples and pg_statistic), conjunct selectivities from eqjoinsel.
/// </summary>
public sealed class JoinReorder(QueryCatalog catalog, JoinOrderOptions? options = null) : IRewriteRule
{
    public string Name => "join_reorder";

    private readonly List<JoinOrderResult> _results = [];

    /// <summary>How the last region with three or more inputs was ordered (for tests and EXPLAIN).</summary>
    public JoinOrderResult? LastResult { get; private set; }

    /// <summary>How every region with three or more inputs was ordered, in the order they were met.</summary>
    public IReadOnlyList<JoinOrderResult> Results => _results;

    public LogicalPlan Apply(LogicalPlan plan) => Reorder(plan);

    /// <summary>
    /// The joins DPHyp may reorder. A gated join (<see cref="LogicalJoin.Gated"/>: PostgreSQL's
    /// One-Time Filter over an uncorrelated sub-query, evaluated before any row below it) bounds a
    /// region: reordered with the joins around it, its gate could end up on the build side of a join
    /// whose probe input is read first, and a qual PostgreSQL never evaluates would run (seed 291
    /// case 1651). Its inputs are reordered on their own. So does a domain join
    /// (<see cref="LogicalJoin.Domain"/>), whose condition may hold sub-query conjuncts that must
    /// not go into the sub-query's scan. And so does the join of a LATERAL sub-query PostgreSQL does
    /// not pull up (<see cref="LogicalJoin.LateralInner"/>): the inner input of a nested loop whose
    /// outer input holds the FROM items before it, read to its end.
    /// </summary>
    private static bool InRegion(LogicalPlan p) =>
        p is LogicalJoin { Gated: false, Domain: false, LateralInner: false, Kind: LogicalJoinType.Inner or LogicalJoinType.Left or LogicalJoinType.Right or LogicalJoinType.Semi or LogicalJoinType.Anti };

    private LogicalPlan Reorder(LogicalPlan plan)
    {
        if (!InRegion(plan)) return plan.MapChildren(Reorder);
        var leaves = new List<LogicalPlan>();
        var subqueries = new List<SubqueryInput>();
        var tree = Collect(plan, leaves, subqueries);
        if (leaves.Count < 3 || leaves.Count > RelSet.MaxRelations) return plan.MapChildren(Reorder);
        for (int i = 0; i < leaves.Count; i++) leaves[i] = Reorder(leaves[i]);

        var estimator = new PhysicalPlanner(catalog);
        var graph = new QueryGraph();
        foreach (var leaf in leaves) graph.AddRelation(Estimates.Rows(estimator.EstimateRows(leaf)));
        var owners = new Dictionary<int, int>();
        for (int i = 0; i < leaves.Count; i++)
            foreach (var c in leaves[i].Output) owners[c.Id] = i;
        ConflictDetector.AddEdges(graph, Predicates(tree, owners, estimator));
        var result = new PlanEnumerator(graph, options).Solve();
        LastResult = result;
        _results.Add(result);
        return result.Tree is null ? Rebuild(plan, leaves) : Build(result.Tree, leaves, subqueries);
    }

    /// <summary>
    /// The leaves of a decorrelated sub-query's join (the join's right input) and the join's flags
    /// (<see cref="LogicalJoin.SubPlan"/>, <see cref="LogicalJoin.Subquery"/>, <see cref="LogicalJoin.InitPlan"/>),
    /// which the reordered join of exactly those leaves to the rest keeps.
    /// </summary>
    private sealed record SubqueryInput(RelSet Leaves, LogicalJoinType Kind, bool SubPlan, bool Subquery, bool InitPlan);

    /// <summary>The region as an operator tree over leaf indexes (right joins flipped); conjunct lists per operator.</summary>
    private static RegionNode Collect(LogicalPlan plan, List<LogicalPlan> leaves, List<SubqueryInput> subqueries)
    {
        if (!InRegion(plan))
        {
            leaves.Add(plan);
            return new RegionNode(null, null, LogicalJoinType.Inner, [], leaves.Count - 1);
        }
        var join = (LogicalJoin)plan;
        var (l, r, kind) = join.Kind == LogicalJoinType.Right ? (join.Right, join.Left, LogicalJoinType.Left) : (join.Left, join.Right, join.Kind);
        var left = Collect(l, leaves, subqueries);
        int firstRight = leaves.Count;
        var right = Collect(r, leaves, subqueries);
        if (join.Kind != LogicalJoinType.Right && (join.SubPlan || join.Subquery || join.InitPlan))
        {
            var rightLeaves = RelSet.Empty;
            for (int i = firstRight; i < leaves.Count; i++) rightLeaves |= RelSet.Single(i);
            subqueries.Add(new SubqueryInput(rightLeaves, join.Kind, join.SubPlan, join.Subquery, join.InitPlan));
        }
        var conjuncts = join.Condition is null ? [] : PredicatePushdown.Conjuncts(join.Condition);
        return new RegionNode(left, right, kind, conjuncts, -1);
    }

    private static JoinOperatorTree Predicates(RegionNode node, Dictionary<int, int> owners, PhysicalPlanner estimator)
    {
        if (node.Leaf >= 0) return new JoinOperatorLeaf(node.Leaf);
        var left = Predicates(node.Left!, owners, estimator);
        var right = Predicates(node.Right!, owners, estimator);
        var all = left.Relations | right.Relations;
        var predicates = new List<JoinPredicate>();
        foreach (var c in node.Conjuncts)
        {
            var refs = RelSet.Empty;
            foreach (var col in c.ReferencedColumns())
                if (owners.TryGetValue(col.Id, out int owner)) refs |= RelSet.Single(owner);
            if (refs.IsEmpty) refs = all;
            double selectivity = estimator.ConjunctSelectivity(c);
            // A strict comparison is false or NULL when a relation it reads is all NULL.
            bool strict = c is BoundFuncCall { Args.Count: 2 } f && PhysicalPlanner.IsStrictComparison(f);
            predicates.Add(new JoinPredicate(refs, selectivity, c, strict ? refs : RelSet.Empty, CanBeHashKey(c, owners)));
        }
        CombineCompositeKeys(predicates, owners, estimator);
        var kind = node.Kind switch
        {
            LogicalJoinType.Inner => JoinKind.Inner,
            LogicalJoinType.Left => JoinKind.LeftOuter,
            LogicalJoinType.Semi => JoinKind.Semi,
            _ => JoinKind.Anti,
        };
        return new JoinOperator(kind, left, right, predicates);
    }

    /// <summary>
    /// Several column equalities between the same two relations form one composite key: their
    /// selectivity is estimated together (<see cref="PhysicalPlanner.CompositeEquiJoinSelectivity"/>)
    /// and carried by the first of them, the others count 1.
    /// </summary>
    private static void CombineCompositeKeys(List<JoinPredicate> predicates, Dictionary<int, int> owners, PhysicalPlanner estimator)
    {
        var groups = new Dictionary<RelSet, List<int>>();
        for (int i = 0; i < predicates.Count; i++)
        {
            var p = predicates[i];
            if (p.References.Count != 2 || p.Payload is not BoundFuncCall { Args: [LogicalColumnRef a, LogicalColumnRef] } f || !PhysicalPlanner.IsStrictComparison(f)) continue;
            if (Owner(a, owners) is null) continue;
            if (!groups.TryGetValue(p.References, out var list)) groups[p.References] = list = [];
            list.Add(i);
        }
        foreach (var (refs, members) in groups)
        {
            if (members.Count < 2) continue;
            int first = Owner(((BoundFuncCall)predicates[members[0]].Payload).Args[0], owners)!.Value;
            var lefts = new List<BoundExpr>();
            var rights = new List<BoundExpr>();
            foreach (int i in members)
            {
                var args = ((BoundFuncCall)predicates[i].Payload).Args;
                bool straight = Owner(args[0], owners) == first;
                lefts.Add(straight ? args[0] : args[1]);
                rights.Add(straight ? args[1] : args[0]);
            }
            predicates[members[0]] = predicates[members[0]] with { Selectivity = Estimates.Selectivity(estimator.CompositeEquiJoinSelectivity(lefts, rights)) };
            for (int m = 1; m < members.Count; m++) predicates[members[m]] = predicates[members[m]] with { Selectivity = 1 };
        }
    }

    /// <summary>
    /// Whether the conjunct is an equality whose sides read disjoint sets of leaves, with types the
    /// hash join can key on (<see cref="PhysicalPlanner.TryEquiKey"/>): a join that applies it has a key.
    /// </summary>
    private static bool CanBeHashKey(BoundExpr conjunct, Dictionary<int, int> owners)
    {
        if (conjunct is not BoundFuncCall { Args: [var a, var b] }) return false;
        var leftIds = a.ReferencedColumns().Select(c => c.Id).ToHashSet();
        var rightIds = b.ReferencedColumns().Select(c => c.Id).ToHashSet();
        if (!leftIds.All(owners.ContainsKey) || !rightIds.All(owners.ContainsKey)) return false;
        var leftLeaves = leftIds.Select(id => owners[id]).ToHashSet();
        if (rightIds.Any(id => leftLeaves.Contains(owners[id]))) return false;
        return PhysicalPlanner.TryEquiKey(conjunct, leftIds, rightIds, out _, out _);
    }

    /// <summary>The one leaf whose columns an expression reads, or null.</summary>
    private static int? Owner(BoundExpr e, Dictionary<int, int> owners)
    {
        int? owner = null;
        foreach (var col in e.ReferencedColumns())
        {
            if (!owners.TryGetValue(col.Id, out int o) || (owner is not null && owner != o)) return null;
            owner = o;
        }
        return owner;
    }

    private static LogicalPlan Build(JoinTree tree, List<LogicalPlan> leaves, List<SubqueryInput> subqueries)
    {
        if (tree is JoinTreeLeaf leaf) return leaves[leaf.RelIndex];
        var node = (JoinTreeNode)tree;
        var left = Build(node.Left, leaves, subqueries);
        var right = Build(node.Right, leaves, subqueries);
        var conjuncts = new List<BoundExpr>();
        foreach (var edge in node.Edges)
            foreach (var p in edge.Predicates)
                if (p is BoundExpr e && !conjuncts.Any(x => ReferenceEquals(x, e))) conjuncts.Add(e);
        var kind = node.Kind switch
        {
            JoinKind.Inner => LogicalJoinType.Inner,
            JoinKind.LeftOuter => LogicalJoinType.Left,
            JoinKind.Semi => LogicalJoinType.Semi,
            JoinKind.Anti => LogicalJoinType.Anti,
            _ => LogicalJoinType.Full,
        };
        var condition = conjuncts.Count == 0 ? null : PredicateSimplification.Conjunction(conjuncts);
        // The join of a decorrelated sub-query to the rest keeps what the written join said about it:
        // a SubPlan's join reads every outer row (PhysicalPlanner, seed 710 case 5468), with the
        // sub-query the right input, an inner join's inputs swapped back when DPHyp put it left.
        var sub = subqueries.FirstOrDefault(s => s.Kind == kind && (s.Leaves == node.Right.Relations || (kind == LogicalJoinType.Inner && s.Leaves == node.Left.Relations)));
        if (sub is null) return new LogicalJoin(left, right, kind, condition);
        if (sub.Leaves != node.Right.Relations) (left, right) = (right, left);
        return new LogicalJoin(left, right, kind, condition) { SubPlan = sub.SubPlan, Subquery = sub.Subquery, InitPlan = sub.InitPlan };
    }

    /// <summary>No order found: the written tree over the reordered leaves.</summary>
    private static LogicalPlan Rebuild(LogicalPlan plan, List<LogicalPlan> leaves)
    {
        int next = 0;
        LogicalPlan Walk(LogicalPlan p)
        {
            if (!InRegion(p)) return leaves[next++];
            var j = (LogicalJoin)p;
            if (j.Kind != LogicalJoinType.Right) return p.MapChildren(Walk);
            var right = Walk(j.Right); // Collect visited a right join's inputs swapped
            return j with { Left = Walk(j.Left), Right = right };
        }
        return Walk(plan);
    }

    private sealed record RegionNode(RegionNode? Left, RegionNode? Right, LogicalJoinType Kind, IReadOnlyList<BoundExpr> Conjuncts, int Leaf);
}
