using System.Numerics;
using System.Runtime.CompilerServices;
using PgFusion.Planner.Physical;

namespace PgFusion.Planner.JoinOrder;

/// <summary>Outcome of asking whether two disjoint relation sets can be joined.</summary>
internal enum JoinCheck
{
    /// <summary>No hyperedge has one end in each set: joining them would be a cross product.</summary>
    NotConnected,
    /// <summary>Connected, but the join would be an invalid reordering (conflict rule, orientation, mixed operators).</summary>
    Invalid,
    Valid,
}

/// <summary>A valid join of two sets: oriented inputs, operator and the estimate factor of the edges it applies.</summary>
/// <param name="HashKey">False when the edges it applies have predicates and none can be a hash key (<see cref="JoinEdge.HashKey"/>).</param>
internal readonly record struct JoinStep(ulong Left, ulong Right, JoinKind Kind, double RowFactor, bool HashKey = true);

/// <summary>
/// The query graph in the flat arrays the enumerators need: per-relation neighbour masks for simple
/// edges, a list for complex hyperedges, per-relation incidence lists and the per-edge estimation
/// factors. It is the single place that decides whether a pair may be joined, so DPHyp, the greedy
/// fallback and the tests' exhaustive enumerator agree on the search space.
/// </summary>
internal sealed class HypergraphIndex
{
    private readonly ulong[] _simpleNeighbours;
    private readonly ulong[] _complexFrom;
    private readonly ulong[] _complexTo;
    private readonly int[][] _incident;
    private readonly ulong[] _u;
    private readonly ulong[] _v;
    private readonly JoinKind[] _kind;
    private readonly int[] _operator;
    private readonly double[] _factor;
    private readonly bool[] _hashKey;
    private readonly bool[] _crossProduct;
    private readonly ConflictRule[][] _rules;

    public HypergraphIndex(QueryGraph graph)
    {
        Graph = graph;
        RelationCount = graph.RelationCount;
        All = graph.AllRelations.Bits;
        BaseRows = new double[RelationCount];
        for (var r = 0; r < RelationCount; r++)
            BaseRows[r] = Math.Min(graph.BaseRows(r), Estimates.MaximumRows);

        Edges = [.. graph.Edges];
        AllInner = Edges.All(e => e.Kind == JoinKind.Inner);
        if (AllInner)
            AddCrossProductsBetweenComponents();

        var m = Edges.Count;
        _u = new ulong[m];
        _v = new ulong[m];
        _kind = new JoinKind[m];
        _operator = new int[m];
        _factor = new double[m];
        _hashKey = new bool[m];
        _crossProduct = new bool[m];
        _rules = new ConflictRule[m][];
        var incident = new List<int>[RelationCount];
        for (var r = 0; r < RelationCount; r++)
            incident[r] = [];
        _simpleNeighbours = new ulong[RelationCount];
        var complexFrom = new List<ulong>();
        var complexTo = new List<ulong>();
        for (var i = 0; i < m; i++)
        {
            var e = Edges[i];
            _u[i] = e.Left.Bits;
            _v[i] = e.Right.Bits;
            _kind[i] = e.Kind;
            _operator[i] = e.OperatorId;
            _factor[i] = e.Kind == JoinKind.Inner ? e.Selectivity : 1.0;
            _hashKey[i] = e.HashKey;
            _crossProduct[i] = e.IsCrossProduct;
            _rules[i] = [.. e.Rules];
            foreach (var r in e.Tes)
                incident[r].Add(i);
            if (e.Left.Count == 1 && e.Right.Count == 1)
            {
                _simpleNeighbours[e.Left.Min] |= e.Right.Bits;
                _simpleNeighbours[e.Right.Min] |= e.Left.Bits;
            }
            else
            {
                complexFrom.Add(e.Left.Bits);
                complexTo.Add(e.Right.Bits);
                complexFrom.Add(e.Right.Bits);
                complexTo.Add(e.Left.Bits);
            }
        }
        _complexFrom = [.. complexFrom];
        _complexTo = [.. complexTo];
        _incident = [.. incident.Select(l => l.ToArray())];
        ComputeNonInnerFactors();
    }

    public QueryGraph Graph { get; }
    public int RelationCount { get; }
    public ulong All { get; }
    public double[] BaseRows { get; }
    public bool AllInner { get; }

    /// <summary>The graph's edges, then any cross products added between disconnected components.</summary>
    public List<JoinEdge> Edges { get; }

    /// <summary>
    /// DPHyp's N(S, X): simple neighbours of S outside S ∪ X, plus min(v) of every hyperedge (u, v)
    /// with u ⊆ S and v disjoint from S ∪ X (the paper's representative of a hypernode). Subsumed
    /// hypernodes are not filtered out: that only shrinks N and does not change which sets are reached.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Neighbourhood(ulong s, ulong x)
    {
        var excluded = s | x;
        ulong n = 0;
        var rest = s;
        while (rest != 0)
        {
            n |= _simpleNeighbours[BitOperations.TrailingZeroCount(rest)];
            rest &= rest - 1;
        }
        n &= ~excluded;
        for (var i = 0; i < _complexFrom.Length; i++)
        {
            if ((_complexFrom[i] & ~s) == 0 && (_complexTo[i] & excluded) == 0)
                n |= RelSet.LowestBit(_complexTo[i]);
        }
        return n;
    }

    /// <summary>
    /// Decides whether s1 and s2 (disjoint) may be joined. The edges the join applies are those whose
    /// TES lies in s1 ∪ s2 but in neither input alone. Conservative choices: a join applies at most one
    /// non-inner operator and never mixes it with inner predicates of other operators; every newly
    /// covered edge must fit the orientation (its Left end in the join's left input).
    /// </summary>
    public JoinCheck TryJoin(ulong s1, ulong s2, out JoinStep step)
    {
        var s = s1 | s2;
        var probe = BitOperations.PopCount(s1) <= BitOperations.PopCount(s2) ? s1 : s2;
        var connected = false;
        var invalid = false;
        var anyInner = false;
        var op = -1;
        var kind = JoinKind.Inner;
        var orientation = 0;
        var factor = 1.0;
        var predicateEdges = false;
        var hashKey = false;
        var rest = probe;
        while (rest != 0)
        {
            var x = BitOperations.TrailingZeroCount(rest);
            var xBit = rest & (0UL - rest);
            rest &= rest - 1;
            foreach (var i in _incident[x])
            {
                var u = _u[i];
                var v = _v[i];
                var tes = u | v;
                if ((tes & ~s) != 0)
                    continue;
                var inProbe = tes & probe;
                // Not newly covered (lies inside the probe input), or already seen at a lower relation.
                if ((tes & ~probe) == 0 || RelSet.LowestBit(inProbe) != xBit)
                    continue;
                factor = Estimates.Product(factor, _factor[i]);
                predicateEdges |= !_crossProduct[i];
                hashKey |= _hashKey[i] && !_crossProduct[i];
                var forward = (u & ~s1) == 0 && (v & ~s2) == 0;
                var backward = (u & ~s2) == 0 && (v & ~s1) == 0;
                connected |= forward || backward;
                foreach (var rule in _rules[i])
                {
                    if (!rule.IsSatisfiedBy(s))
                        invalid = true;
                }
                if (_kind[i] == JoinKind.Inner)
                {
                    anyInner = true;
                    continue;
                }
                if (op != -1 && op != _operator[i])
                    invalid = true;
                op = _operator[i];
                kind = _kind[i];
                var o = forward ? 1 : backward ? -1 : 0;
                if (o == 0 || (orientation != 0 && orientation != o))
                    invalid = true;
                orientation = o;
            }
        }
        if (!connected)
        {
            step = default;
            return JoinCheck.NotConnected;
        }
        if (invalid || (op != -1 && anyInner))
        {
            step = default;
            return JoinCheck.Invalid;
        }
        var keyed = hashKey || !predicateEdges;
        step = orientation < 0 ? new JoinStep(s2, s1, kind, factor, keyed) : new JoinStep(s1, s2, kind, factor, keyed);
        return JoinCheck.Valid;
    }

    /// <summary>The edges a valid join of <paramref name="left"/> and <paramref name="right"/> applies, graph edges only.</summary>
    public List<JoinEdge> AppliedEdges(ulong left, ulong right)
    {
        var s = left | right;
        var applied = new List<JoinEdge>();
        foreach (var e in Edges)
        {
            var tes = e.Tes.Bits;
            if ((tes & ~s) == 0 && (tes & ~left) != 0 && (tes & ~right) != 0 && !e.IsCrossProduct)
                applied.Add(e);
        }
        return applied;
    }

    /// <summary>
    /// Estimated rows of the result over <paramref name="set"/>: the product of base rows and of the
    /// factor of every edge inside the set. It depends on the set only, not on the plan that built it,
    /// which the dynamic programme's principle of optimality needs (valid reorderings are equivalent,
    /// so one estimate per set is also the honest one).
    /// </summary>
    public double EstimateRows(ulong set)
    {
        var rows = 1.0;
        var rest = set;
        while (rest != 0)
        {
            rows = Estimates.Product(rows, BaseRows[BitOperations.TrailingZeroCount(rest)]);
            rest &= rest - 1;
        }
        for (var i = 0; i < _u.Length; i++)
        {
            if (((_u[i] | _v[i]) & ~set) == 0)
                rows = Estimates.Product(rows, _factor[i]);
        }
        return rows;
    }

    /// <summary>
    /// Outer, semi and anti joins scale their inputs non-multiplicatively; each gets a factor
    /// out/(|L|·|R|) computed once from its original inputs, innermost operators first.
    /// </summary>
    private void ComputeNonInnerFactors()
    {
        var order = Enumerable.Range(0, Edges.Count)
            .Where(i => _kind[i] != JoinKind.Inner)
            .OrderBy(i => (Edges[i].OperatorLeft | Edges[i].OperatorRight).Count)
            .ToArray();
        foreach (var i in order)
        {
            var e = Edges[i];
            var leftRows = EstimateRows(e.OperatorLeft.Bits);
            var rightRows = EstimateRows(e.OperatorRight.Bits);
            _factor[i] = CardinalityEstimator.JoinFactor(e.Kind, leftRows, rightRows, e.Selectivity);
        }
    }

    /// <summary>
    /// A graph of inner joins whose relations fall apart into components needs cross products; they
    /// are added as hyperedges between whole components so DPHyp stays exact within each component
    /// and crosses the finished components in the cheapest order. Graphs with non-inner joins get
    /// none: a cross product moved across a full outer join changes the result.
    /// </summary>
    private void AddCrossProductsBetweenComponents()
    {
        if (RelationCount == 0)
            return;
        var components = new List<ulong>();
        var unseen = All;
        while (unseen != 0)
        {
            var component = RelSet.LowestBit(unseen);
            bool grew;
            do
            {
                grew = false;
                foreach (var e in Edges)
                {
                    var tes = e.Tes.Bits;
                    if ((tes & component) != 0 && (tes & ~component) != 0)
                    {
                        component |= tes;
                        grew = true;
                    }
                }
            } while (grew);
            components.Add(component);
            unseen &= ~component;
        }
        for (var i = 0; i < components.Count; i++)
        {
            for (var j = i + 1; j < components.Count; j++)
            {
                Edges.Add(new JoinEdge(-1, -1, new RelSet(components[i]), new RelSet(components[j]), JoinKind.Inner, 1.0,
                    [], [], new RelSet(components[i]), new RelSet(components[j])));
            }
        }
    }
}
