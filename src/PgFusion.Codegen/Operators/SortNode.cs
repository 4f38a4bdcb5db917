using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators;

/// <summary>
/// ORDER BY: buffers the input, evaluates the sort keys with a projection kernel, sorts row
/// numbers (ties keep input order) and emits in order; with a limit it is a top-N.
/// </summary>
public sealed class SortNode(OperatorNode input, PhysicalSort plan, Kernel<ProjectKernel> keyKernel) : OperatorNode(input.Output)
{
    public OperatorNode Input { get; } = input;

    public PhysicalSort Plan { get; } = plan;

    public Kernel<ProjectKernel> KeyKernel { get; } = keyKernel;

    public ColumnOps[] KeyOps { get; } = plan.Keys.Select(k => ColumnOps.For(k.Expr.Type)).ToArray();

    /// <summary>The input column each key reads when every key is a plain column (the buffered rows serve as keys), else null.</summary>
    internal int[]? KeySources { get; } = ColumnCopyKernel.Sources([.. plan.Keys.Select(k => k.Expr)], [.. input.Output.Select(o => o.Type)]);

    public override IReadOnlyList<OperatorNode> Children => [Input];

    public override string Describe() =>
        (Plan.Limit is { } l ? $"Top-N ({l}{(Plan.WithTies ? " with ties" : "")}): " : "Sort: ") + string.Join(", ", Plan.Keys.Select(k =>
            Dump.ExprText.Of(k.Expr, Input.Output) + (k.Descending ? " DESC" : "") + (k.NullsFirst ? " NULLS FIRST" : " NULLS LAST")));

    public override IEnumerable<KernelInfo> Kernels => [new("sort_keys", KeyKernel.Source, KeyKernel.Run, KeyKernel.CompileTime, KeyKernel.Key)];

    public override IBatchSource Open(ExecutionContext context) => new SortStream(this, () => ParallelGatherStream.Open(Input, context, "sort input"), context);
}
