namespace PgFusion.Planner.Logical;

/// <summary>
/// A WITH query that PostgreSQL materializes (MATERIALIZED, or referenced more than once without
/// NOT MATERIALIZED; subselect.c SS_process_ctes): computed once per execution, its rows read by
/// every <see cref="LogicalCteScan"/> that shares this object. Its plan is optimized on its own
/// (<see cref="Rules.Optimizer"/>), so it is not a child of any reference; its output columns map to
/// each reference's columns by position.
/// </summary>
public sealed class CteDefinition(int id, string name, LogicalPlan plan)
{
    public int Id { get; } = id;

    public string Name { get; } = name;

    /// <summary>The CTE's plan; the optimizer replaces it with the optimized plan (same output).</summary>
    public LogicalPlan Plan { get; set; } = plan;

    /// <summary>The definitions reachable from <paramref name="plan"/>, those a definition reads before it.</summary>
    public static IReadOnlyList<CteDefinition> Reachable(LogicalPlan plan)
    {
        var found = new List<CteDefinition>();
        var seen = new HashSet<CteDefinition>();
        void Visit(LogicalPlan p)
        {
            if (p is LogicalCteScan scan && seen.Add(scan.Definition))
            {
                Visit(scan.Definition.Plan);
                found.Add(scan.Definition);
            }
            foreach (var c in p.Children) Visit(c);
        }
        Visit(plan);
        return found;
    }
}
