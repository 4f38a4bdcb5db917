using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>
/// A materialized WITH query: the plan side of the buffer its references share. One object per CTE
/// in a compiled plan; the buffer itself lives in each execution (<see cref="ExecutionContext.Shared"/>).
/// </summary>
public sealed class MaterializeNode(OperatorNode input, PhysicalCte cte) : OperatorNode(input.Output)
{
    public OperatorNode Input { get; } = input;

    public PhysicalCte Cte { get; } = cte;

    internal ColumnOps[] RowOps { get; } = [.. input.Output.Select(o => ColumnOps.For(o.Type))];

    public override IReadOnlyList<OperatorNode> Children => [Input];

    public override string Describe() => $"Materialize CTE {Cte.Name} #{Cte.Id} (computed once, read by every reference)";

    /// <summary>The CTE's rows stream straight from its plan (a reference reading its own copy after the buffer overflowed).</summary>
    public override IBatchSource Open(ExecutionContext context) => Input.Open(context);

    internal CteBuffer Buffer(ExecutionContext context)
    {
        if (!context.Shared.TryGetValue(this, out var state))
        {
            state = new CteBuffer(this);
            context.Shared[this] = state;
        }
        return (CteBuffer)state;
    }
}
