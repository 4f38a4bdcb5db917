namespace PgFusion.Planner.Logical;

/// <summary>
/// Checks the invariants every rule must keep: each column a node's expressions read is produced by
/// one of its children, and output column ids are unique. Tests run it after every pass.
/// </summary>
public static class LogicalPlanVerifier
{
    public static void Verify(LogicalPlan plan)
    {
        plan.TransformUp(p =>
        {
            var available = p.Children.SelectMany(c => c.Output).Select(c => c.Id).ToHashSet();
            foreach (var e in p.Expressions)
                foreach (var c in e.ReferencedColumns())
                    if (!available.Contains(c.Id))
                        throw new InvalidOperationException($"{p.GetType().Name} reads column {c} that its input does not produce");
            var ids = p.Output.Select(c => c.Id).ToList();
            if (ids.Count != ids.Distinct().Count()) throw new InvalidOperationException($"{p.GetType().Name} outputs a column twice");
            if (p is LogicalCteScan scan && !scan.Columns.Select(c => c.Type).SequenceEqual(scan.Definition.Plan.Output.Select(c => c.Type)))
                throw new InvalidOperationException($"CTE scan of {scan.Definition.Name} does not have its definition's column types");
            return p;
        });
        foreach (var definition in CteDefinition.Reachable(plan)) Verify(definition.Plan);
    }
}
