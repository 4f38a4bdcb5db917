namespace PgFusion.Fuzz;

/// <summary>Knobs of a campaign.</summary>
public sealed record FuzzOptions
{
    public int MaxTables { get; init; } = 5;

    public int MaxRows { get; init; } = 2500;

    public int QueriesPerCase { get; init; } = 10;

    /// <summary>Only the single-table grammar (no joins, subqueries, set operations, CTEs).</summary>
    public bool SingleTableOnly { get; init; }

    /// <summary>Count one-sided data exceptions as <see cref="Running.VerdictKind.ErrorGap"/> instead of mismatches.</summary>
    public bool TolerateErrorGaps { get; init; }

    /// <summary>Attempts the shrinker may make per mismatch.</summary>
    public int ShrinkBudget { get; init; } = 300;
}
