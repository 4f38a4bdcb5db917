namespace PgFusion.Planner.JoinOrder;

/// <summary>
/// The joins as the query wrote them (after the planner's normalization: right joins flipped to
/// left joins, subqueries turned into semi/anti joins, predicates pushed to the lowest operator
/// that sees all their relations). <see cref="ConflictDetector"/> derives the valid reorderings from it.
/// </summary>
public abstract record JoinOperatorTree
{
    /// <summary>Relations under this node.</summary>
    public abstract RelSet Relations { get; }
}

public sealed record JoinOperatorLeaf(int Relation) : JoinOperatorTree
{
    public override RelSet Relations => RelSet.Single(Relation);
}

/// <param name="Predicates">The operator's conjuncts; none for a cross join.</param>
public sealed record JoinOperator(JoinKind Kind, JoinOperatorTree Left, JoinOperatorTree Right, IReadOnlyList<JoinPredicate> Predicates)
    : JoinOperatorTree
{
    public override RelSet Relations { get; } = Left.Relations | Right.Relations;
}

/// <summary>One conjunct of a join condition.</summary>
/// <param name="References">Relations the conjunct reads.</param>
/// <param name="Selectivity">Inner-join selectivity of the conjunct.</param>
/// <param name="Payload">The planner's predicate, handed back on the join that applies it.</param>
/// <param name="NullRejecting">
/// Relations on which the conjunct is null-rejecting: it cannot be true when all columns of such a
/// relation are NULL (a strict comparison like a.x = b.y rejects nulls on both). Empty is always safe
/// and only forgoes the outer-join reorderings the paper allows under null rejection.
/// </param>
/// <param name="HashKey">
/// Whether the conjunct can be a hash key of the join that applies it (an equality of one side's
/// expression with the other's). A join applying no such conjunct compares every pair of its
/// inputs (<see cref="CostModel.JoinCost"/>).
/// </param>
public sealed record JoinPredicate(RelSet References, double Selectivity, object Payload, RelSet NullRejecting, bool HashKey = true)
{
    /// <summary>A strict conjunct (any NULL input gives NULL), e.g. an equality of columns: null-rejecting on every relation it reads.</summary>
    public static JoinPredicate Strict(RelSet references, double selectivity, object payload) =>
        new(references, selectivity, payload, references);
}
