namespace PgFusion.Planner.JoinOrder;

/// <summary>
/// A hyperedge of the query graph: a join operator (or one conjunct of an inner join) that can be
/// applied to two disjoint plans L and R once <see cref="Left"/> ⊆ L and <see cref="Right"/> ⊆ R
/// (or mirrored, for commutative kinds) and its <see cref="Rules"/> hold for L ∪ R.
/// </summary>
public sealed class JoinEdge
{
    internal JoinEdge(
        int index, int operatorId, RelSet left, RelSet right, JoinKind kind, double selectivity,
        IReadOnlyList<object> predicates, IReadOnlyList<ConflictRule> rules,
        RelSet operatorLeft, RelSet operatorRight, bool hashKey = true)
    {
        HashKey = hashKey;
        Index = index;
        OperatorId = operatorId;
        Left = left;
        Right = right;
        Kind = kind;
        Selectivity = selectivity;
        Predicates = predicates;
        Rules = rules;
        OperatorLeft = operatorLeft;
        OperatorRight = operatorRight;
    }

    /// <summary>Position in <see cref="QueryGraph.Edges"/>; -1 for a cross product the enumerator added.</summary>
    public int Index { get; }

    /// <summary>Edges that came from one join operator share this id; they must be applied by one join.</summary>
    public int OperatorId { get; }

    /// <summary>Left end of the hyperedge (for non-commutative kinds: the part of the preserved/probe side it needs).</summary>
    public RelSet Left { get; }

    public RelSet Right { get; }

    /// <summary>The total eligibility set: every relation that must be present before the edge applies.</summary>
    public RelSet Tes => Left | Right;

    public JoinKind Kind { get; }

    /// <summary>Fraction of the cross product of the two inputs the predicate keeps (inner-join sense).</summary>
    public double Selectivity { get; }

    /// <summary>The planner's predicate payloads, opaque here (all conjuncts of the operator or this one conjunct).</summary>
    public IReadOnlyList<object> Predicates { get; }

    public IReadOnlyList<ConflictRule> Rules { get; }

    /// <summary>Relations of the operator's original inputs; estimation of outer/semi/anti joins uses them.</summary>
    public RelSet OperatorLeft { get; }

    public RelSet OperatorRight { get; }

    public bool IsCrossProduct => Index < 0;

    /// <summary>
    /// Whether a predicate of the edge can serve as a hash key. A join whose applied edges have
    /// predicates but none that can compares every pair of its inputs; cross products the
    /// enumerator adds have no predicate and count as keyed (their output is every pair already).
    /// </summary>
    public bool HashKey { get; }

    public override string ToString() =>
        $"{Kind} {Left}-{Right} sel={Selectivity:G4}" + (Rules.Count == 0 ? "" : $" rules={string.Join(";", Rules)}");
}
