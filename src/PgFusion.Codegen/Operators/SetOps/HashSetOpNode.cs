using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.SetOps;

/// <summary>
/// INTERSECT [ALL] / EXCEPT [ALL]: both inputs' rows go through one group table (whole-row keys,
/// NULLs equal), counting occurrences per side; each distinct row is then emitted as many times as
/// the set operation asks. Each side's kernel copies its live rows into dense key columns.
/// </summary>
public sealed class HashSetOpNode(OperatorNode left, OperatorNode right, PhysicalHashSetOp plan, Kernel<ProjectKernel> leftKernel, Kernel<ProjectKernel> rightKernel)
    : OperatorNode(plan.Output)
{
    public OperatorNode Left { get; } = left;

    public OperatorNode Right { get; } = right;

    public PhysicalHashSetOp Plan { get; } = plan;

    public Kernel<ProjectKernel> LeftKernel { get; } = leftKernel;

    public Kernel<ProjectKernel> RightKernel { get; } = rightKernel;

    public override IReadOnlyList<OperatorNode> Children => [Left, Right];

    public override string Describe() => $"HashSetOp: {Plan.Kind}{(Plan.All ? " ALL" : "")} over {Output.Count} columns{(Plan.RightFirst ? "; right input first" : "")}";

    public override IEnumerable<KernelInfo> Kernels =>
    [
        new("setop_left", LeftKernel.Source, LeftKernel.Run, LeftKernel.CompileTime, LeftKernel.Key),
        new("setop_right", RightKernel.Source, RightKernel.Run, RightKernel.CompileTime, RightKernel.Key),
    ];

    public override IBatchSource Open(ExecutionContext context) => new HashSetOpStream(this, Left.Open(context), Right.Open(context), context);
}
