namespace PgFusion.Fuzz.Running;

public enum VerdictKind
{
    /// <summary>Identical results (or the same error SQLSTATE).</summary>
    Equal,

    /// <summary>
    /// Equal up to a choice PostgreSQL leaves open: which of several equal-comparing values
    /// (-0/0, 1.0/1.00, '1 day'/'24 hours') represents a group, or float sums within the tolerance.
    /// </summary>
    Equivalent,

    /// <summary>Skipped: the oracle itself timed out.</summary>
    Skipped,

    /// <summary>
    /// A data exception (SQLSTATE class 22) on one side only, where the two engines legitimately
    /// evaluate different sets of expressions: PostgreSQL folds constants at plan time (so `1/0` fails
    /// even over an empty table), reorders WHERE conjuncts by cost, and stops pulling rows at LIMIT.
    /// Counted apart from mismatches only when <see cref="FuzzOptions.TolerateErrorGaps"/> is set.
    /// </summary>
    ErrorGap,

    /// <summary>
    /// pg_fusion raised an error where PostgreSQL returned rows (or the reverse, or another data
    /// exception), and PostgreSQL itself gives pg_fusion's outcome for the same query under another
    /// plan (<see cref="FuzzDatabase.RunUnderOtherPlans"/>) or over the same rows stored in another
    /// order (<see cref="FuzzDatabase.RunWithRowsReordered"/>) or with a join's inputs written the
    /// other way round (<see cref="Queries.FuzzQuery.CommutedFrom"/>): which rows reach an expression, and in
    /// which order, depends on the plan (hash or sorted aggregation, the join method, an incremental
    /// sort stopping at LIMIT) and on the heap order. Also a float overflow (22003) on one side
    /// that PostgreSQL gives or avoids when its float sums/averages add their terms in the order of
    /// the argument (<see cref="OutcomeComparer.MayBeSummationOrder"/>): two summation orders of
    /// the same float aggregate.
    /// Counted apart, never a wrong value.
    /// </summary>
    PlanDependent,

    /// <summary>A wrong result, a different error, or a crash.</summary>
    Mismatch,
}

/// <summary>The comparison of one query's off and on results.</summary>
public sealed record Verdict(VerdictKind Kind, string? Detail = null)
{
    public static readonly Verdict Equal = new(VerdictKind.Equal);

    public bool IsMismatch => Kind == VerdictKind.Mismatch;
}
