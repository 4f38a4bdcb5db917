namespace PgFusion.Planner.Logical;

/// <summary>
/// A node's output list, kept for the inputs it was built from. Rules, the verifier and the
/// estimators ask a plan for its output again and again, and joins, scans, projections and
/// aggregates built a new list on every call. The cache is one box per node that <c>with</c>
/// copies share, so an entry counts only while the lists it was built from (compared by
/// reference; plans and their lists are immutable) are the node's current ones.
/// </summary>
internal sealed class OutputCache
{
    private sealed record Entry(object First, object? Second, IReadOnlyList<LogicalColumn> Output);

    private Entry? _entry;

    public IReadOnlyList<LogicalColumn> Get<TState>(object first, object? second, TState state, Func<TState, IReadOnlyList<LogicalColumn>> build)
    {
        if (_entry is { } e && ReferenceEquals(e.First, first) && ReferenceEquals(e.Second, second)) return e.Output;
        var output = build(state);
        _entry = new Entry(first, second, output);
        return output;
    }

    // The box is not part of a plan's identity: every copy of a node holds the same one.
    public override bool Equals(object? obj) => obj is OutputCache;

    public override int GetHashCode() => 0;
}
