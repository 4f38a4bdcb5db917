using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Rules;

namespace PgFusion.Codegen.Operators;

/// <summary>Narrows each batch's selection vector to the rows where the predicate is true.</summary>
public sealed class FilterNode(OperatorNode input, BoundExpr predicate, Kernel<FilterKernel> kernel) : OperatorNode(input.Output)
{
    public OperatorNode Input { get; } = input;

    public BoundExpr Predicate { get; } = predicate;

    public Kernel<FilterKernel> Kernel { get; } = kernel;

    /// <summary>
    /// With a VectorFilter fast path for some conjuncts: the kernel for the others, run on the
    /// rows the fast path keeps (null when the fast path covers the whole predicate).
    /// </summary>
    public Kernel<FilterKernel>? ResidualKernel { get; init; }

    /// <summary>
    /// The input is read to its end even when <see cref="OneTimeFilter.IsConstantFalse"/> holds: a HAVING over
    /// grouping sets, which PostgreSQL evaluates per group after aggregating every row, or a HAVING whose
    /// copy gates the WHERE below (<see cref="PgFusion.Planner.Logical.LogicalFilter.CopiedToWhere"/>).
    /// </summary>
    public bool ReadsInput { get; init; }

    /// <summary>
    /// Whether the input is never read: a constant false predicate that is PostgreSQL's one-time
    /// filter, so nothing beneath runs (a materialized CTE it reads is not computed).
    /// </summary>
    public bool NeverReadsInput => !ReadsInput && OneTimeFilter.IsConstantFalse(Predicate);

    /// <summary>
    /// PostgreSQL's One-Time Filter (<see cref="PgFusion.Planner.Physical.PhysicalFilter.OneTime"/>): the
    /// predicate reads no column and <see cref="Kernel"/> takes a batch of no column. It is evaluated
    /// once, before the input is opened (<see cref="PassesOneTime"/>); when it is false or NULL the
    /// input is never opened, when it raises the query raises even if the input has no row.
    /// </summary>
    public bool OneTime { get; init; }

    /// <summary>
    /// The one-time predicate's value in this execution, evaluated on its first use (its error raised
    /// then) and remembered in <paramref name="context"/>, which a parallel pipeline's partitions inherit.
    /// </summary>
    internal bool PassesOneTime(ExecutionContext context)
    {
        if (context.Shared.TryGetValue(this, out var known)) return (bool)known;
        bool passes = Kernel.Run(new Arrow.RecordBatch([], 1), new int[1], context.Kernel) == 1;
        context.Shared[this] = passes;
        return passes;
    }

    public override IReadOnlyList<OperatorNode> Children => [Input];

    public override string Describe() => $"{(OneTime ? "One-Time Filter" : "Filter")}: {Dump.ExprText.Of(Predicate, Input.Output)}";

    public override IEnumerable<KernelInfo> Kernels => ResidualKernel is { } r
        ? [new("filter", Kernel.Source, Kernel.Run, Kernel.CompileTime, Kernel.Key), new("filter_residual", r.Source, r.Run, r.CompileTime, r.Key)]
        : [new("filter", Kernel.Source, Kernel.Run, Kernel.CompileTime, Kernel.Key)];

    public override IBatchSource Open(ExecutionContext context) => OneTime ? new OneTimeFilterStream(this, context) : new FilterStream(this, Input.Open(context), context);
}
