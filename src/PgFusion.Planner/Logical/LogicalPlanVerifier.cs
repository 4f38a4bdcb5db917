namespace PgFusion.Planner.Logical;

/// <summary>
/// Checks the invariants every rule must keep: each column a node's expressions read is produced by
/// one of its children, and output column ids are unique. Tests run it after every pass; the binder
/// runs it on every query it binds, so each node's output is listed once (a join's Output
/// concatenates its inputs' anew on every call, quadratic in the depth of a join tree).
/// </summary>
public static class LogicalPlanVerifier
{
    public static void Verify(LogicalPlan plan) => Verify(plan, null);

    /// <summary>
    /// As <see cref="Verify(LogicalPlan)"/>; with a <paramref name="memo"/> kept between calls over
    /// plans that share subtrees (the binder verifies every query level, and an enclosing level
    /// holds the levels it contains), a subtree that passed before is not walked again. Plan nodes
    /// are immutable; a subtree holding a CTE scan is always checked again (the scan's definition
    /// is not).
    /// </summary>
    public static void Verify(LogicalPlan plan, Memo? memo)
    {
        ArgumentNullException.ThrowIfNull(plan);
        memo ??= new Memo();
        Check(plan, memo);
        foreach (var definition in CteDefinition.Reachable(plan)) Verify(definition.Plan, memo);
    }

    /// <summary>What <see cref="Verify(LogicalPlan, Memo)"/> knows from earlier calls: outputs and subtrees that passed.</summary>
    public sealed class Memo
    {
        internal Dictionary<LogicalPlan, IReadOnlyList<LogicalColumn>> Outputs { get; } = new(ReferenceEqualityComparer.Instance);

        internal HashSet<LogicalPlan> Verified { get; } = new(ReferenceEqualityComparer.Instance);

        // scratch sets of the node being checked (filled after its children are checked, so one pair serves all)
        internal HashSet<int> Available { get; } = [];

        internal HashSet<int> Ids { get; } = [];
    }

    /// <summary>Checks the subtree; true when it holds no CTE scan (so that passing can be remembered).</summary>
    private static bool Check(LogicalPlan p, Memo memo)
    {
        var (outputs, verified) = (memo.Outputs, memo.Verified);
        if (verified.Contains(p)) return true;
        bool remember = p is not LogicalCteScan;
        var children = p.Children;
        foreach (var child in children) remember &= Check(child, memo);
        var available = memo.Available;
        available.Clear();
        foreach (var child in children)
            foreach (var c in OutputOf(child, outputs))
                available.Add(c.Id);
        foreach (var e in p.Expressions)
            foreach (var c in e.ReferencedColumns())
                if (!available.Contains(c.Id))
                    throw new InvalidOperationException($"{p.GetType().Name} reads column {c} that its input does not produce");
        var output = OutputOf(p, outputs);
        var ids = memo.Ids;
        ids.Clear();
        foreach (var c in output)
            if (!ids.Add(c.Id))
                throw new InvalidOperationException($"{p.GetType().Name} outputs a column twice");
        if (p is LogicalCteScan scan && !scan.Columns.Select(c => c.Type).SequenceEqual(scan.Definition.Plan.Output.Select(c => c.Type)))
            throw new InvalidOperationException($"CTE scan of {scan.Definition.Name} does not have its definition's column types");
        if (remember) verified.Add(p);
        return remember;
    }

    /// <summary><see cref="LogicalPlan.Output"/>, from the inputs' listed outputs where the node passes them on.</summary>
    private static IReadOnlyList<LogicalColumn> OutputOf(LogicalPlan p, Dictionary<LogicalPlan, IReadOnlyList<LogicalColumn>> outputs)
    {
        if (outputs.TryGetValue(p, out var known)) return known;
        IReadOnlyList<LogicalColumn> output = p switch
        {
            LogicalJoin j when j.Kind.OutputsLeftOnly() => OutputOf(j.Left, outputs),
            LogicalJoin j => [.. OutputOf(j.Left, outputs), .. OutputOf(j.Right, outputs)],
            LogicalApply a when a.Kind.OutputsLeftOnly() => OutputOf(a.Input, outputs),
            LogicalApply a => [.. OutputOf(a.Input, outputs), .. OutputOf(a.Subquery, outputs)],
            LogicalFilter f => OutputOf(f.Input, outputs),
            LogicalSort s => OutputOf(s.Input, outputs),
            LogicalLimit l => OutputOf(l.Input, outputs),
            _ => p.Output,
        };
        outputs[p] = output;
        return output;
    }
}
