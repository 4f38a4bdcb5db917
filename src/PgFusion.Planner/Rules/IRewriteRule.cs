using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Rules;

/// <summary>One logical rewrite pass. <see cref="Name"/> is how the optimizer's options disable it.</summary>
public interface IRewriteRule
{
    string Name { get; }

    LogicalPlan Apply(LogicalPlan plan);
}
