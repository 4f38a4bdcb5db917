using PgFusion.Codegen.Execution;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.SetOps;

/// <summary>UNION ALL: the batches of every input in turn, passed through unchanged (selection vectors included).</summary>
public sealed class AppendNode(IReadOnlyList<OperatorNode> inputs, IReadOnlyList<OutputColumn> output) : OperatorNode(output)
{
    public IReadOnlyList<OperatorNode> Inputs { get; } = inputs;

    public override IReadOnlyList<OperatorNode> Children => Inputs;

    public override string Describe() => $"Append: {Inputs.Count} inputs";

    public override IBatchSource Open(ExecutionContext context) => new AppendStream(Inputs, context);
}
