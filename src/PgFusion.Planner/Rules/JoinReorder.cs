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
        if (plan is LogicalFilter { Having: false, OneTime: false, OverGroupingSets: false, CopiedToWhere: false } filter && InRegion(filter.Input))
            return ReorderUnderFilter(filter);
        if (!InRegion(plan)) return plan.MapChildren(Reorder);
        return ReorderRegion(plan, []);
    }

    /// <summary>
    /// A WHERE filter over a region with anti-reduced joins (<see cref="LogicalJoin.AntiReduced"/>): its
    /// conjuncts that read a column of such a join's nullable input are, to PostgreSQL, quals of that
    /// anti join, tested on its null-extended rows before any join above it (distribute_qual_to_rels
    /// puts a qual over an outer join's nullable side at the lowest join that holds the outer join and
    /// every relation the qual reads). Where the new order puts the anti join below other joins,
    /// those conjuncts go down with it (<see cref="Build"/>); the others stay in this filter.
    /// </summary>
    private LogicalPlan ReorderUnderFilter(LogicalFilter filter)
    {
        var nullable = new HashSet<int>();
        foreach (var join in RegionJoins(filter.Input).Where(j => j.AntiReduced))
            nullable.UnionWith((join.Kind == LogicalJoinType.Right ? join.Left : join.Right).Output.Select(c => c.Id));
        var conjuncts = PredicatePushdown.Conjuncts(filter.Predicate);
        var pending = conjuncts.Where(c => c.ReferencedColumns().Any(col => nullable.Contains(col.Id))).ToList();
        if (pending.Count == 0) return filter with { Input = Reorder(filter.Input) };
        var placed = new HashSet<BoundExpr>(pending, ReferenceEqualityComparer.Instance);
        var input = ReorderRegion(filter.Input, pending);
        // What was not placed below (the region was not reordered, or no join of it may filter them) stays here.
        placed.ExceptWith(pending);
        if (placed.Count == 0) return filter with { Input = input };
        var rest = conjuncts.Where(c => !placed.Contains(c)).ToList();
        return rest.Count == 0 ? input : filter with { Input = input, Predicate = PredicateSimplification.Conjunction(rest) };
    }

    /// <summary>The joins of the region rooted at <paramref name="plan"/>.</summary>
    private static IEnumerable<LogicalJoin> RegionJoins(LogicalPlan plan)
    {
        if (!InRegion(plan)) yield break;
        var join = (LogicalJoin)plan;
        yield return join;
        foreach (var j in RegionJoins(join.Left)) yield return j;
        foreach (var j in RegionJoins(join.Right)) yield return j;
    }

    /// <param name="pending">Conjuncts of a filter above the region to place at the lowest join of the
    /// new order that holds every leaf they read and may filter its rows (<see cref="Build"/>); those
    /// placed are removed from the list.</param>
    private LogicalPlan ReorderRegion(LogicalPlan plan, List<BoundExpr> pending)
    {
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
        var antiReduced = new HashSet<BoundExpr>(ReferenceEqualityComparer.Instance);
        ConflictDetector.AddEdges(graph, Predicates(tree, tree, owners, estimator, antiReduced));
        var result = new PlanEnumerator(graph, options).Solve();
        LastResult = result;
        _results.Add(result);
        if (result.Tree is null) return Rebuild(plan, leaves);
        var placement = new Placement(pending, owners);
        return Build(result.Tree, leaves, subqueries, antiReduced, placement, mayFilter: true, isTop: true);
    }

    /// <summary>Conjuncts of a filter above a region waiting for the join they go to, with the leaves each reads (null: a column of no leaf, never placed).</summary>
    private sealed class Placement(List<BoundExpr> pending, Dictionary<int, int> owners)
    {
        private readonly List<(BoundExpr Conjunct, RelSet? Leaves)> _waiting = [.. pending.Select(c => (c, LeavesOf(c, owners)))];

        private static RelSet? LeavesOf(BoundExpr conjunct, Dictionary<int, int> owners)
        {
            var set = RelSet.Empty;
            foreach (var col in conjunct.ReferencedColumns())
            {
                if (!owners.TryGetValue(col.Id, out int owner)) return null;
                set |= RelSet.Single(owner);
            }
            return set;
        }

        /// <summary>The waiting conjuncts that read only <paramref name="relations"/>, removed from the wait and from the filter's list.</summary>
        public List<BoundExpr> Take(RelSet relations)
        {
            var taken = new List<BoundExpr>();
            for (int i = 0; i < _waiting.Count; i++)
            {
                if (_waiting[i].Leaves is not { } leaves || !(leaves - relations).IsEmpty) continue;
                taken.Add(_waiting[i].Conjunct);
                var conjunct = _waiting[i].Conjunct;
                pending.RemoveAll(p => ReferenceEquals(p, conjunct));
                _waiting.RemoveAt(i--);
            }
            return taken;
        }
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
        return new RegionNode(left, right, kind, conjuncts, -1) { AntiReduced = join.AntiReduced };
    }

    /// <param name="antiReduced">Collects the conjuncts of the anti-reduced left joins
    /// (<see cref="LogicalJoin.AntiReduced"/>), so <see cref="Build"/> makes them such left joins again.</param>
    private static JoinOperatorTree Predicates(RegionNode node, RegionNode root, Dictionary<int, int> owners, PhysicalPlanner estimator, HashSet<BoundExpr> antiReduced)
    {
        if (node.Leaf >= 0) return new JoinOperatorLeaf(node.Leaf);
        var left = Predicates(node.Left!, root, owners, estimator, antiReduced);
        var right = Predicates(node.Right!, root, owners, estimator, antiReduced);
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
            // An anti-reduced left join whose nullable input no other join of the region reads is
            // ordered and estimated as the anti join it is to PostgreSQL.
            LogicalJoinType.Left when node.AntiReduced && node.Conjuncts.Count > 0 && !ReadOutside(root, node, right.Relations, owners) => JoinKind.Anti,
            LogicalJoinType.Inner => JoinKind.Inner,
            LogicalJoinType.Left => JoinKind.LeftOuter,
            LogicalJoinType.Semi => JoinKind.Semi,
            _ => JoinKind.Anti,
        };
        if (node.AntiReduced) antiReduced.UnionWith(node.Conjuncts);
        return new JoinOperator(kind, left, right, predicates);
    }

    /// <summary>Whether a conjunct of the region outside <paramref name="node"/>'s subtree reads a column of the leaves <paramref name="relations"/>.</summary>
    private static bool ReadOutside(RegionNode region, RegionNode node, RelSet relations, Dictionary<int, int> owners)
    {
        if (ReferenceEquals(region, node) || region.Leaf >= 0) return false;
        foreach (var c in region.Conjuncts)
            foreach (var col in c.ReferencedColumns())
                if (owners.TryGetValue(col.Id, out int owner) && relations.Contains(owner)) return true;
        return ReadOutside(region.Left!, node, relations, owners) || ReadOutside(region.Right!, node, relations, owners);
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

    /// <param name="mayFilter">Whether a filter over this join keeps the region's result: no join above
    /// it NULL-extends or drops its rows by a match (it is not in the right input of an outer, semi or
    /// anti join). The waiting conjuncts of <paramref name="placement"/> that read only its leaves go
    /// over the lowest such join.</param>
    /// <param name="isTop">The region's top join, which takes none of them: what would go there stays in
    /// the filter above, ordered with that filter's other conjuncts as before.</param>
    private static LogicalPlan Build(JoinTree tree, List<LogicalPlan> leaves, List<SubqueryInput> subqueries, HashSet<BoundExpr> antiReduced, Placement placement, bool mayFilter, bool isTop = false)
    {
        if (tree is JoinTreeLeaf leaf) return leaves[leaf.RelIndex];
        var node = (JoinTreeNode)tree;
        var left = Build(node.Left, leaves, subqueries, antiReduced, placement, mayFilter);
        var right = Build(node.Right, leaves, subqueries, antiReduced, placement, mayFilter && node.Kind == JoinKind.Inner);
        var join = BuildJoin(node, left, right, subqueries, antiReduced);
        if (!mayFilter || isTop) return join;
        var placed = placement.Take(node.Relations);
        return placed.Count == 0 ? join : new LogicalFilter(join, PredicateSimplification.Conjunction(placed));
    }

    private static LogicalJoin BuildJoin(JoinTreeNode node, LogicalPlan left, LogicalPlan right, List<SubqueryInput> subqueries, HashSet<BoundExpr> antiReduced)
    {
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
        if (kind is LogicalJoinType.Anti or LogicalJoinType.Left && conjuncts.Any(antiReduced.Contains))
            return new LogicalJoin(left, right, LogicalJoinType.Left, condition) { AntiReduced = true };
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

    private sealed record RegionNode(RegionNode? Left, RegionNode? Right, LogicalJoinType Kind, IReadOnlyList<BoundExpr> Conjuncts, int Leaf)
    {
        /// <summary>The join is <see cref="LogicalJoin.AntiReduced"/> (its nullable input is <see cref="Right"/>, right joins flipped).</summary>
        public bool AntiReduced { get; init; }
    }
}
