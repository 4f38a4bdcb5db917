namespace PgFusion.Planner.Physical;

/// <summary>
/// A materialized WITH query: <see cref="Plan"/> runs once per execution and every
/// <see cref="PhysicalCteScan"/> holding this object reads its buffered rows.
/// </summary>
public sealed class PhysicalCte(int id, string name, PhysicalPlan plan)
{
    public int Id { get; } = id;

    public string Name { get; } = name;

    public PhysicalPlan Plan { get; } = plan;

    /// <summary>The CTEs reachable from <paramref name="plan"/>, those a CTE reads before it.</summary>
    public static IReadOnlyList<PhysicalCte> Reachable(PhysicalPlan plan)
    {
        var found = new List<PhysicalCte>();
        var seen = new HashSet<PhysicalCte>();
        void Visit(PhysicalPlan p)
        {
            if (p is PhysicalCteScan scan && seen.Add(scan.Cte))
            {
                Visit(scan.Cte.Plan);
                found.Add(scan.Cte);
            }
            foreach (var c in p.Children) Visit(c);
        }
        Visit(plan);
        return found;
    }
}
