using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Top-down required columns: projections drop expressions nobody reads, scans drop attributes
/// nobody reads (so the decoder decodes only those). Aggregates keep every key and aggregate (dropping a key
/// would change the groups; dropping an aggregate could hide its run-time errors).
/// </summary>
public sealed class ProjectionPruning : IRewriteRule
{
    public string Name => "projection_pruning";

    public LogicalPlan Apply(LogicalPlan plan) => Prune(plan, [.. plan.Output.Select(c => c.Id)], isRoot: true);

    private static LogicalPlan Prune(LogicalPlan plan, HashSet<int> required, bool isRoot = false)
    {
        switch (plan)
        {
            case LogicalScan scan:
                var columns = scan.Columns.Where(c => required.Contains(c.Column.Id)).ToList();
                return columns.Count == scan.Columns.Count ? scan : scan with { Columns = columns };
            case LogicalProject project:
                var exprs = isRoot ? project.Exprs : project.Exprs.Where(e => required.Contains(e.Column.Id)).ToList();
                var input = Prune(project.Input, Needs(exprs.Select(e => e.Expr)));
                return exprs.Count == project.Exprs.Count && ReferenceEquals(input, project.Input)
                    ? project
                    : new LogicalProject(input, exprs);
            default:
                var childRequired = new HashSet<int>(required);
                childRequired.UnionWith(Needs(plan.Expressions));
                return plan.MapChildren(c => Prune(c, childRequired));
        }
    }

    private static HashSet<int> Needs(IEnumerable<Binding.BoundExpr> exprs) =>
        [.. exprs.SelectMany(e => e.ReferencedColumns()).Select(c => c.Id)];
}
