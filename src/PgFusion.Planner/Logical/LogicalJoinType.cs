namespace PgFusion.Planner.Logical;

/// <summary>
/// Join semantics. Semi and anti joins output only the left input's columns.
/// <see cref="NullAwareAnti"/> is NOT IN: a left row survives only when its key is non-null and
/// matches no right key, and no right key is NULL; an empty right side keeps every left row
/// (even one with a NULL key), as PostgreSQL's NOT IN over an empty subquery is true.
/// </summary>
public enum LogicalJoinType
{
    Inner,
    Left,
    Right,
    Full,
    Semi,
    Anti,
    NullAwareAnti,
}

public static class LogicalJoinTypeExtensions
{
    /// <summary>Whether the join outputs only its left input's columns.</summary>
    public static bool OutputsLeftOnly(this LogicalJoinType kind) => kind is LogicalJoinType.Semi or LogicalJoinType.Anti or LogicalJoinType.NullAwareAnti;

    /// <summary>The same join with its inputs swapped (only for kinds that have a mirror).</summary>
    public static LogicalJoinType Mirror(this LogicalJoinType kind) => kind switch
    {
        LogicalJoinType.Left => LogicalJoinType.Right,
        LogicalJoinType.Right => LogicalJoinType.Left,
        LogicalJoinType.Inner or LogicalJoinType.Full => kind,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "semi and anti joins have no mirror here"),
    };
}
