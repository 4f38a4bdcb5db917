namespace PgFusion.Planner.Physical;

/// <summary>UNION ALL: every input's rows in turn. All inputs have the output's column types.</summary>
public sealed record PhysicalAppend(IReadOnlyList<PhysicalPlan> Inputs, IReadOnlyList<OutputColumn> Output)
    : PhysicalPlan(Output, Inputs.Sum(i => i.EstimatedRows))
{
    public override IReadOnlyList<PhysicalPlan> Children => Inputs;
}
