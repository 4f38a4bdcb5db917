using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators;

/// <summary>Computes one output column per expression into fresh, compact columns.</summary>
public sealed class ProjectNode(OperatorNode input, IReadOnlyList<BoundExpr> exprs, IReadOnlyList<OutputColumn> output, Kernel<ProjectKernel> kernel)
    : OperatorNode(output)
{
    public OperatorNode Input { get; } = input;

    public IReadOnlyList<BoundExpr> Exprs { get; } = exprs;

    public Kernel<ProjectKernel> Kernel { get; } = kernel;

    public override IReadOnlyList<OperatorNode> Children => [Input];

    public override string Describe() => $"Project: {string.Join(", ", Exprs.Select(e => Dump.ExprText.Of(e, Input.Output)))}";

    public override IEnumerable<KernelInfo> Kernels => [new("project", Kernel.Source, Kernel.Run, Kernel.CompileTime, Kernel.Key)];

    public override IBatchSource Open(ExecutionContext context) => new ProjectStream(Kernel, OutputTypes, Input.Open(context), context);
}
