using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Rules;

/// <summary>One logical rewrite pass. <see cref="Name"/> is how the optimizer's options disable it.</summary>
public interface IRewriteRule
{
    string Name { get; }

    /// <summary>
    /// Whether the pass runs on the bound plan, before constant evaluation and the other passes
    /// (<see cref="Optimizer.RunOnBoundPlan"/>): a pass that turns nodes only the binder makes into
    /// the ones every other pass knows.
    /// </summary>
    bool RunsOnBoundPlan => false;

    LogicalPlan Apply(LogicalPlan plan);
}
