using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators;

/// <summary>
/// Hash aggregation. One projection kernel evaluates, per input batch, the group keys, then each
/// aggregate's argument and FILTER predicate; the group table maps keys to group ids and each
/// accumulator folds its argument column into per-group state.
/// </summary>
public sealed class HashAggregateNode : OperatorNode
{
    public HashAggregateNode(OperatorNode input, PhysicalHashAggregate plan, Kernel<ProjectKernel>? inputKernel,
        IReadOnlyList<PgType> evaluatedTypes, int[] argColumn, int[] filterColumn, Func<Accumulator>[] accumulators, int[]? directInput = null)
        : base(plan.Output)
    {
        DirectInput = directInput ?? [.. Enumerable.Repeat(-1, evaluatedTypes.Count)];
        KernelColumn = new int[DirectInput.Length];
        int k = 0;
        for (int j = 0; j < DirectInput.Length; j++) KernelColumn[j] = DirectInput[j] >= 0 ? -1 : k++;
        Input = input;
        Plan = plan;
        InputKernel = inputKernel;
        EvaluatedTypes = evaluatedTypes;
        ArgColumn = argColumn;
        FilterColumn = filterColumn;
        Accumulators = accumulators;
    }

    public OperatorNode Input { get; }

    public PhysicalHashAggregate Plan { get; }

    /// <summary>Per evaluated column: the input column it is read from as is, or -1 (computed by InputKernel).</summary>
    public int[] DirectInput { get; }

    /// <summary>Per evaluated column: its output index in InputKernel, or -1 (a direct input column).</summary>
    public int[] KernelColumn { get; }

    /// <summary>
    /// Computes the evaluated columns [keys..., per-aggregate argument and filter columns] that are
    /// not direct input columns, in that order; null when there is nothing to compute.
    /// </summary>
    public Kernel<ProjectKernel>? InputKernel { get; }

    public IReadOnlyList<PgType> EvaluatedTypes { get; }

    /// <summary>
    /// Computes the group keys that are not direct input columns (into InputKernel's first output
    /// indexes, <see cref="KernelColumn"/>), run over each input batch before InputKernel when
    /// PostgreSQL sorts the input on the keys before it evaluates any aggregate argument
    /// (<see cref="SortedGroupingErrors.PostgresSorts"/>): a key's error then raises before every
    /// argument's, in scan order; null otherwise.
    /// </summary>
    public Kernel<ProjectKernel>? KeyKernel { get; init; }

    /// <summary>Per aggregate: index of its argument in the evaluated columns, or -1 (count(*)).</summary>
    public int[] ArgColumn { get; }

    /// <summary>Per aggregate: indexes of its arguments after the first (string_agg's delimiter), or null.</summary>
    public int[]?[]? ExtraArgColumns { get; init; }

    /// <summary>Per aggregate: index of its FILTER column, or -1.</summary>
    public int[] FilterColumn { get; }

    public Func<Accumulator>[] Accumulators { get; }

    /// <summary>
    /// Per aggregate: a kernel computing only its own evaluated columns that are not direct inputs (its
    /// FILTER, arguments and ORDER BY keys, in <see cref="AggregateColumns"/> order), compiled when
    /// first asked for: the replay of a raising row evaluates the aggregates one after the other
    /// (HashAggregateStream.ReplayRaisingRow). Null when there is nothing to compute.
    /// </summary>
    public Func<int, Kernel<ProjectKernel>?>? AggregateKernel { get; init; }

    /// <summary>Aggregate <paramref name="a"/>'s evaluated columns: its FILTER, then its arguments, as PostgreSQL evaluates them.</summary>
    public IEnumerable<int> AggregateColumns(int a)
    {
        if (FilterColumn[a] >= 0) yield return FilterColumn[a];
        if (ArgColumn[a] >= 0) yield return ArgColumn[a];
        foreach (var j in ExtraArgColumns?[a] ?? []) yield return j;
    }

    /// <summary>
    /// A filter fused into this aggregate (Input is then the filter's input): its row bitmaps feed
    /// the accumulators directly where the batch allows, else its kernel narrows the batch first.
    /// </summary>
    public FusedFilterAggregate? FusedFilter { get; init; }

    /// <summary>
    /// The direct-index path for small keys and fixed-scale numeric sums (Q1's shape), tried on each
    /// input batch before the general path; null when the aggregate does not qualify.
    /// </summary>
    public DirectGroupAggregate? Direct { get; init; }

    public override IReadOnlyList<OperatorNode> Children => [Input];

    public override string Describe()
    {
        string keys = string.Join(", ", Plan.GroupKeys.Select(k => Dump.ExprText.Of(k, Input.Output)));
        string aggs = string.Join(", ", Plan.Aggregates.Select(a =>
            $"{a.Name}({(a.Args.Count == 0 ? "*" : string.Join(", ", a.Args.Select(x => Dump.ExprText.Of(x, Input.Output))))})"
            + (a.Filter is null ? "" : $" FILTER (WHERE {Dump.ExprText.Of(a.Filter, Input.Output)})")));
        string fused = (FusedFilter is { } f ? $" (fused filter: {Dump.ExprText.Of(f.Predicate, Input.Output)})" : "")
            + (Direct is not null ? " (direct group index, Int64 sums)" : "");
        return (keys.Length == 0 ? $"Aggregate: {aggs}" : $"HashAggregate: group by {keys}; {aggs}") + fused;
    }

    public override IEnumerable<KernelInfo> Kernels
    {
        get
        {
            if (FusedFilter is { FilterKernel: var f }) yield return new("filter", f.Source, f.Run, f.CompileTime, f.Key);
            if (KeyKernel is not null) yield return new("aggregate_keys", KeyKernel.Source, KeyKernel.Run, KeyKernel.CompileTime, KeyKernel.Key);
            if (InputKernel is not null) yield return new("aggregate_input", InputKernel.Source, InputKernel.Run, InputKernel.CompileTime, InputKernel.Key);
        }
    }

    public override IBatchSource Open(ExecutionContext context) =>
        ParallelAggregateStream.TryOpen(this, context)
        // aggregates that do not merge (first values, float sums, string_agg) fold the threads' rows in scan order
        ?? new HashAggregateStream(this, ParallelGatherStream.Open(Input, context, "aggregate input"), context);
}
