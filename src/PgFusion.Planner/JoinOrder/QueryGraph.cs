namespace PgFusion.Planner.JoinOrder;

/// <summary>
/// The query hypergraph the join enumerator works on: relations (by index, with estimated rows)
/// and hyperedges (join predicates or whole join operators). Inner-join queries add one edge per
/// join conjunct with <see cref="AddEdge"/>; queries with outer, semi or anti joins hand their
/// operator tree to <see cref="ConflictDetector.AddEdges"/>, which adds edges that only allow valid
/// reorderings.
/// </summary>
public sealed class QueryGraph
{
    private readonly List<double> _rows = [];
    private readonly List<string?> _names = [];
    private readonly List<JoinEdge> _edges = [];
    private int _nextOperatorId;

    public int RelationCount => _rows.Count;
    public RelSet AllRelations => RelSet.FirstN(_rows.Count);
    public IReadOnlyList<JoinEdge> Edges => _edges;

    public double BaseRows(int relation) => _rows[relation];
    public string RelationName(int relation) => _names[relation] ?? $"R{relation}";

    /// <returns>The relation's index, which is its bit in every <see cref="RelSet"/>.</returns>
    public int AddRelation(double estimatedRows, string? name = null)
    {
        if (_rows.Count >= RelSet.MaxRelations)
            throw new ArgumentException($"a query graph holds at most {RelSet.MaxRelations} relations");
        if (!(estimatedRows >= 0) || double.IsInfinity(estimatedRows))
            throw new ArgumentOutOfRangeException(nameof(estimatedRows), estimatedRows, $"relation {_rows.Count} ({name}) needs a finite, non-negative row estimate");
        _rows.Add(estimatedRows);
        _names.Add(name);
        return _rows.Count - 1;
    }

    /// <summary>
    /// Adds one hyperedge. For <see cref="JoinKind.Inner"/>, add one edge per conjunct so each can be
    /// applied as early as its relations allow. A non-inner edge added here is taken as one whole
    /// operator whose original inputs are exactly <paramref name="left"/> and <paramref name="right"/>
    /// and that conflicts with nothing; use <see cref="ConflictDetector"/> for anything else.
    /// </summary>
    /// <param name="hashKey">Whether the predicate can be a hash key (<see cref="JoinEdge.HashKey"/>).</param>
    public JoinEdge AddEdge(RelSet left, RelSet right, JoinKind kind = JoinKind.Inner, double selectivity = 1.0, object? predicate = null, bool hashKey = true) =>
        AddOperatorEdge(left, right, kind, selectivity, predicate is null ? [] : [predicate], [], left, right, NewOperatorId(), hashKey);

    internal JoinEdge AddOperatorEdge(
        RelSet left, RelSet right, JoinKind kind, double selectivity, IReadOnlyList<object> predicates,
        IReadOnlyList<ConflictRule> rules, RelSet operatorLeft, RelSet operatorRight, int operatorId, bool hashKey = true)
    {
        if (left.IsEmpty || right.IsEmpty || left.Overlaps(right))
            throw new ArgumentException($"a hyperedge needs two non-empty disjoint sides, got {left} and {right}");
        if (!(left | right | operatorLeft | operatorRight).IsSubsetOf(AllRelations))
            throw new ArgumentException($"hyperedge {left}-{right} names a relation outside 0..{RelationCount - 1}");
        if (!(selectivity >= 0) || selectivity > 1)
            throw new ArgumentOutOfRangeException(nameof(selectivity), selectivity, $"selectivity of edge {left}-{right} must lie in [0, 1]");
        var edge = new JoinEdge(_edges.Count, operatorId, left, right, kind, selectivity, predicates, rules, operatorLeft, operatorRight, hashKey);
        _edges.Add(edge);
        return edge;
    }

    internal int NewOperatorId() => _nextOperatorId++;
}
