using PgFusion.Types;

namespace PgFusion.Planner.Logical;

/// <summary>Hands out the column ids of one query.</summary>
public sealed class ColumnIdAllocator
{
    private int _next;

    public ColumnIdAllocator(int first = 0) => _next = first;

    public LogicalColumn New(string name, PgType type) => new(_next++, name, type);

    /// <summary>Continues after the largest id used in <paramref name="plan"/> (for rules that add columns).</summary>
    public static ColumnIdAllocator After(LogicalPlan plan)
    {
        int max = -1;
        plan.TransformUp(p =>
        {
            foreach (var c in p.Output) max = Math.Max(max, c.Id);
            return p;
        });
        foreach (var definition in CteDefinition.Reachable(plan))
        {
            definition.Plan.TransformUp(p =>
            {
                foreach (var c in p.Output) max = Math.Max(max, c.Id);
                return p;
            });
        }
        return new ColumnIdAllocator(max + 1);
    }
}
