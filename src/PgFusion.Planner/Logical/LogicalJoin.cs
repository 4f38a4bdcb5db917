using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// Joins two inputs on <paramref name="Condition"/> (null: every pair, a cross join). Output: the
/// left columns then the right ones, the right (left) ones NULL-extended by a left (right) join;
/// only the left columns for semi and anti joins. Columns keep their ids through the join, so a
/// reference above an outer join reads the NULL-extended value. Physical planning loads
/// <paramref name="Right"/> into the hash table unless estimates say otherwise.
/// </summary>
public sealed record LogicalJoin(LogicalPlan Left, LogicalPlan Right, LogicalJoinType Kind, BoundExpr? Condition) : LogicalPlan
{
    /// <summary>
    /// The right input is an uncorrelated scalar sub-query of an expression (one row): to PostgreSQL
    /// an InitPlan whose value is a Param, so the quals reading it stay among the scan's own quals,
    /// ordered with them (PredicatePushdown keeps them in one filter above this join).
    /// </summary>
    public bool InitPlan { get; init; }

    /// <summary>
    /// The one-row right input (an uncorrelated scalar sub-query or EXISTS/IN mark) carries a
    /// WHERE conjunct that reads nothing else: to PostgreSQL a pseudoconstant qual, the One-Time
    /// Filter of a gating Result that runs the InitPlan before the first row of the scan is read
    /// (create_gating_plan). The right input is built first, and when the gate shut it (no row),
    /// the left input is never read.
    /// </summary>
    public bool Gated { get; init; }

    /// <summary>
    /// The left input is the domain of a decorrelated sub-query's outer columns (QueryBinder.Domain),
    /// the right one the sub-query's FROM. To PostgreSQL the conjuncts reading the domain are quals of
    /// the sub-query's scan that read Params, ordered by cost among that scan's own quals, so a
    /// sub-query conjunct that can raise and that PostgreSQL tests after one of them is tested only
    /// on the rows it passes: PredicatePushdown keeps such a conjunct in this join's condition.
    /// </summary>
    public bool Domain { get; init; }

    /// <summary>
    /// The join of a decorrelated sub-query (a correlated scalar or mark sub-query, a LATERAL
    /// sub-query): to PostgreSQL a SubPlan or a nested loop over the sub-query that yields a value
    /// (NULL when it finds no row) for every outer row, on which the query's own quals then run. As
    /// a left join, a strict qual above would make it inner (OuterJoinSimplification) and drop the
    /// NULL rows unevaluated: it does so only when the qual cannot raise (seed 503 case 1528).
    /// </summary>
    public bool Subquery { get; init; }

    /// <summary>
    /// The join of a correlated scalar, EXISTS or IN sub-query inside an expression (a left join
    /// to the sub-query, <see cref="Subquery"/>): to PostgreSQL a SubPlan evaluated for every outer
    /// row that reaches its qual, whether or not the sub-query has rows, not a join that can stop
    /// at an empty inner input. Kept when the join is made inner; the physical join then reads
    /// every left row (seed 710 case 5468).
    /// </summary>
    public bool SubPlan { get; init; }

    /// <summary>
    /// The right input is a LATERAL sub-query PostgreSQL plans as a query level of its own (one it
    /// does not pull up: with LIMIT/OFFSET, aggregates, GROUP BY or DISTINCT). To PostgreSQL that is
    /// always the inner input of a nested loop, rescanned with each outer row's values as Params,
    /// with the FROM items it reads on the outer side; ExecNestLoop fetches every outer row (its
    /// scan evaluating the row's quals) even when the sub-query has no row for any of them (seed 515
    /// case 3490). So the right input is built, the left one is probed and read to its end
    /// (<see cref="Physical.PhysicalHashJoin.NestLoopInner"/>), and JoinReorder keeps the join
    /// above the joins of its left input.
    /// </summary>
    public bool LateralInner { get; init; }

    /// <summary>
    /// An outer join PostgreSQL plans as an anti join (reduce_outer_joins' JOIN_ANTI): its condition is
    /// strict in a column of the nullable input that a qual above forces NULL (`a LEFT JOIN c ON a.k = c.k
    /// WHERE c.k IS NULL`), so only the preserved input's unmatched rows reach the output. It stays an
    /// outer join here, the nullable input's columns visible (NULL) to the quals above, which still run
    /// on every row as PostgreSQL runs them on the anti join's null-extended rows; join ordering and row
    /// estimates treat it as the anti join PostgreSQL orders and costs (seed 795 case 1745: the anti
    /// join, estimated small, runs before a cross join whose qual raises).
    /// </summary>
    public bool AntiReduced { get; init; }

    /// <summary>
    /// A null-aware anti join (NOT IN) bound from a WHERE conjunct: the WHERE conjuncts written
    /// before that NOT IN, as bound. PostgreSQL tests an uncorrelated NOT IN among the scan's quals,
    /// ordered by cost with the written order breaking ties; PredicatePushdown reads this for the
    /// ties (<see cref="Rules.PredicatePushdown"/>, HeldAboveHashedNotIn).
    /// </summary>
    public IReadOnlyList<BoundExpr> QualsWrittenBefore { get; init; } = [];

    private readonly OutputCache _output = new();

    public override IReadOnlyList<LogicalColumn> Output
    {
        get
        {
            if (Kind.OutputsLeftOnly()) return Left.Output;
            var left = Left.Output;
            var right = Right.Output;
            return _output.Get(left, right, (left, right), static s => [.. s.left, .. s.right]);
        }
    }

    public override IReadOnlyList<LogicalPlan> Children => [Left, Right];

    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this with { Left = children[0], Right = children[1] };

    public override IEnumerable<BoundExpr> Expressions => Condition is null ? [] : [Condition];

    public override LogicalPlan MapExpressions(Func<BoundExpr, BoundExpr> map)
    {
        if (Condition is null) return this;
        var c = map(Condition);
        return ReferenceEquals(c, Condition) ? this : this with { Condition = c };
    }
}
