namespace PgFusion.Planner.JoinOrder;

/// <summary>
/// Join operators the enumerator can reorder. A right outer join is a left outer join with its
/// inputs swapped; the planner normalizes it before building the operator tree.
/// </summary>
public enum JoinKind
{
    Inner,
    /// <summary>Left input preserved.</summary>
    LeftOuter,
    FullOuter,
    /// <summary>Left rows with at least one match; right columns are not visible above.</summary>
    Semi,
    /// <summary>Left rows without a match; right columns are not visible above.</summary>
    Anti,
}

public static class JoinKindExtensions
{
    /// <summary>Whether L op R equals R op L (so the enumerator may put either side on the left).</summary>
    public static bool IsCommutative(this JoinKind kind) => kind is JoinKind.Inner or JoinKind.FullOuter;
}
