using PgFusion.Codegen.Execution;

namespace PgFusion.Codegen.Operators;

/// <summary>OFFSET / LIMIT over the input's rows in order.</summary>
public sealed class LimitNode(OperatorNode input, long offset, long? count) : OperatorNode(input.Output)
{
    public OperatorNode Input { get; } = input;

    public long Offset { get; } = offset;

    public long? Count { get; } = count;

    public override IReadOnlyList<OperatorNode> Children => [Input];

    public override string Describe() => $"Limit: offset {Offset}, count {(Count is { } c ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : "all")}";

    public override IBatchSource Open(ExecutionContext context) => new LimitStream(this, Input.Open(context));
}
