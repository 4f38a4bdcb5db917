using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner.Binding;

namespace PgFusion.Codegen.Operators;

/// <summary>Narrows each batch's selection vector to the rows where the predicate is true.</summary>
public sealed class FilterNode(OperatorNode input, BoundExpr predicate, Kernel<FilterKernel> kernel) : OperatorNode(input.Output)
{
    public OperatorNode Input { get; } = input;

    public BoundExpr Predicate { get; } = predicate;

    public Kernel<FilterKernel> Kernel { get; } = kernel;

    public override IReadOnlyList<OperatorNode> Children => [Input];

    public override string Describe() => $"Filter: {Dump.ExprText.Of(Predicate, Input.Output)}";

    public override IEnumerable<KernelInfo> Kernels => [new("filter", Kernel.Source, Kernel.Run, Kernel.CompileTime, Kernel.Key)];

    public override IBatchSource Open(ExecutionContext context) => new FilterStream(this, Input.Open(context), context);
}
