using System.Diagnostics;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Join;
using PgFusion.Codegen.Operators.Output;
using PgFusion.Planner;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;
using PgFusion.Planner.Rules;
using PgFusion.Types;

namespace PgFusion.Codegen;

/// <summary>
/// The compiler's entry point: a planned query -> compiled kernels wired into operators, or
/// Unsupported naming the construct (never an exception for an unsupported construct).
/// </summary>
public sealed partial class QueryCompiler
{
    public QueryCompiler(KernelCache? cache = null) => Cache = cache ?? KernelCache.Shared;

    /// <summary>Use <see cref="DirectGroupAggregate"/> where it qualifies (tests turn it off to compare the two paths).</summary>
    public bool DirectAggregates { get; init; } = true;

    public KernelCache Cache { get; }

    public CompileResult Compile(PlannedQuery plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var sw = Stopwatch.StartNew();
        // the kernels compile on the thread pool while the operators are assembled; all are done (or failed) on return
        using var parallel = ParallelCompileScope.Begin();
        try
        {
            unreadJoinColumns = UnreadJoinColumns.Of(plan.Root);
            var root = Lower(plan.Root);
            if (root.Output.Count != plan.ResultColumns.Count)
                return CompileResult.Unsupported($"plan yields {root.Output.Count} columns, the result has {plan.ResultColumns.Count}");
            _ = new MinimalTupleEncoder(plan.ResultColumns.Select(c => c.Type).ToArray());
            parallel.WaitAll();
            return CompileResult.Ok(new CompiledPlan(root, plan.ResultColumns, sw.Elapsed, plan.Notes));
        }
        catch (UnsupportedException e)
        {
            return CompileResult.Unsupported(e.Message);
        }
    }

    private static PgType[] Types(PhysicalPlan p) => p.Output.Select(o => o.Type).ToArray();

    private OperatorNode Lower(PhysicalPlan plan)
    {
        switch (plan)
        {
            case PhysicalScan scan:
                foreach (var o in scan.Output) KernelTypes.Require(o.Type);
                return probedScans.TryGetValue(scan, out var rendezvous) ? new IndexProbeScanNode(scan, rendezvous) : new ScanNode(scan);
            case PhysicalFilter { OneTime: true } gate:
                // PostgreSQL's One-Time Filter: no column, evaluated once on a row of none before the input opens
                return new FilterNode(Lower(gate.Input), gate.Predicate, KernelBuilder.Filter("one_time_filter", [], gate.Predicate, Cache)) { OneTime = true };
            case PhysicalFilter filter:
            {
                var input = LowerFilterInput(filter);
                var types = Types(filter.Input);
                // with a vector filter, the whole predicate's kernel is the fallback for the rare batch it declines
                bool vector = VectorFilter.TryCreate(types, filter.Predicate, out var rest) is not null;
                var kernel = vector
                    ? KernelBuilder.FilterOnFirstUse("filter", types, filter.Predicate, Cache)
                    : KernelBuilder.Filter("filter", types, filter.Predicate, Cache);
                Kernel<FilterKernel>? residual = vector && rest is not null ? KernelBuilder.Filter("filter_residual", types, rest, Cache) : null;
                return new FilterNode(input, filter.Predicate, kernel) { ResidualKernel = residual, ReadsInput = filter.OverGroupingSets || filter.CopiedToWhere };
            }
            case PhysicalProject project:
            {
                var input = Lower(project.Input);
                var kernel = KernelBuilder.Project("project", Types(project.Input), project.Exprs, Cache);
                return new ProjectNode(input, project.Exprs, project.Output, kernel);
            }
            case PhysicalLimit limit:
                return new LimitNode(Lower(limit.Input), limit.Offset, limit.Count);
            case PhysicalSort sort:
            {
                var input = Lower(sort.Input);
                foreach (var k in sort.Keys)
                {
                    if (!ColumnOps.For(k.Expr.Type).CanCompare) throw new UnsupportedException($"ORDER BY on {k.Expr.Type} is not supported");
                }
                foreach (var o in sort.Input.Output) ColumnOps.For(o.Type);
                var kernel = KernelBuilder.Project("sort_keys", Types(sort.Input), sort.Keys.Select(k => k.Expr).ToArray(), Cache);
                return new SortNode(input, sort, kernel);
            }
            case PhysicalHashAggregate agg:
                return LowerAggregate(agg);
            case PhysicalHashJoin join:
                return LowerJoin(join);
            case PhysicalIndexProbeJoin probeJoin:
                return LowerIndexProbeJoin(probeJoin);
            default:
                return LowerSetOperation(plan);
        }
    }

    /// <summary>A filter's input; a sequential scan right below it gets the filter's stages to apply while it decodes (<see cref="Execution.ScanPrefilter"/>).</summary>
    private OperatorNode LowerFilterInput(PhysicalFilter filter)
    {
        if (filter.Input is not PhysicalScan scan || probedScans.ContainsKey(scan)) return Lower(filter.Input);
        foreach (var o in scan.Output) KernelTypes.Require(o.Type);
        return new ScanNode(scan) { Prefilter = Execution.ScanPrefilter.TryCreate(scan, filter) };
    }

    private HashAggregateNode LowerAggregate(PhysicalHashAggregate agg)
    {
        // Q6's shape: the filter's bitmaps feed the sums (FusedFilterAggregate); the filter's input is read directly.
        FusedFilterAggregate? fused = null;
        if (agg.Input is PhysicalFilter { OneTime: false } filter && !OneTimeFilter.IsConstantFalse(filter.Predicate))
        {
            var filterTypes = Types(filter.Input);
            fused = FusedFilterAggregate.TryCreate(agg, filterTypes, filter.Predicate, () => KernelBuilder.Filter("filter", filterTypes, filter.Predicate, Cache));
        }
        var input = fused is not null ? LowerFilterInput((PhysicalFilter)agg.Input) : Lower(agg.Input);
        var evaluated = new List<BoundExpr>(agg.GroupKeys);
        foreach (var k in agg.GroupKeys)
        {
            if (!ColumnOps.For(k.Type).CanCompare) throw new UnsupportedException($"GROUP BY on {k.Type} is not supported");
        }
        var argColumn = new int[agg.Aggregates.Count];
        var filterColumn = new int[agg.Aggregates.Count];
        var factories = new Func<Accumulator>[agg.Aggregates.Count];
        var extraColumns = new int[]?[agg.Aggregates.Count];
        for (int a = 0; a < agg.Aggregates.Count; a++)
        {
            var aggregate = agg.Aggregates[a];
            factories[a] = Accumulator.Factory(aggregate);
            argColumn[a] = -1;
            // PostgreSQL evaluates an aggregate's arguments only for rows its FILTER accepts, so an
            // argument that raises (overflow, division by zero) must not run on the other rows.
            BoundExpr Guarded(BoundExpr e) => aggregate.Filter is { } f && e is not (BoundColumnRef or BoundConst) ? new BoundCase([(f, e)], null, e.Type) : e;
            if (aggregate.Args.Count >= 1 && aggregate.AggOid != 2803)
            {
                argColumn[a] = evaluated.Count;
                evaluated.Add(Guarded(aggregate.Args[0]));
            }
            // DISTINCT's ORDER BY keys are among its arguments; an ordered aggregate evaluates its keys after the arguments.
            var orderKeys = aggregate.Args.Count > 0 && !aggregate.Distinct && aggregate.OrderBy is { } order ? order.Select(o => o.Expr).ToList() : [];
            if (aggregate.Args.Count > 1 || orderKeys.Count > 0)
            {
                if (factories[a]() is not IMultiArgumentAccumulator)
                    throw new UnsupportedException($"aggregate {aggregate.AggOid} ({aggregate.Name}) with {aggregate.Args.Count} arguments is not supported");
                extraColumns[a] = [.. Enumerable.Range(evaluated.Count, aggregate.Args.Count - 1 + orderKeys.Count)];
                evaluated.AddRange(aggregate.Args.Skip(1).Select(Guarded));
                evaluated.AddRange(orderKeys.Select(Guarded));
            }
            filterColumn[a] = -1;
            if (aggregate.Filter is not null)
            {
                filterColumn[a] = evaluated.Count;
                evaluated.Add(aggregate.Filter);
            }
        }
        // Plain column references are read from the input batch (no copy without a selection
        // vector, a typed gather with one); the kernel computes only the other expressions.
        var inputTypes = Types(agg.Input);
        var directInput = new int[evaluated.Count];
        var computed = new List<BoundExpr>();
        for (int j = 0; j < evaluated.Count; j++)
        {
            bool direct = evaluated[j] is BoundColumnRef c && c.Index >= 0 && c.Index < inputTypes.Length && inputTypes[c.Index] == c.Type;
            directInput[j] = direct ? ((BoundColumnRef)evaluated[j]).Index : -1;
            if (!direct) computed.Add(evaluated[j]);
        }
        var kernel = computed.Count == 0 ? null : KernelBuilder.Project("aggregate_input", inputTypes, computed, Cache);
        // PostgreSQL computes the group keys below its Sort, for every row before any aggregate argument.
        var computedKeys = Enumerable.Range(0, agg.GroupKeys.Count).Where(j => directInput[j] < 0).Select(j => evaluated[j]).ToList();
        var keyKernel = computedKeys.Count > 0 && SortedGroupingErrors.PostgresSorts(agg)
            ? KernelBuilder.Project("aggregate_keys", inputTypes, computedKeys, Cache)
            : null;
        // Per aggregate, a kernel of its own columns, compiled only if a row's arguments raise (HashAggregateStream.ReplayRaisingRow).
        var perAggregate = new Lazy<Kernel<ProjectKernel>?>[agg.Aggregates.Count];
        HashAggregateNode node = null!;
        for (int a = 0; a < perAggregate.Length; a++)
        {
            int index = a;
            perAggregate[a] = new(() => node.AggregateColumns(index).Where(j => directInput[j] < 0).Select(j => evaluated[j]).ToList() is { Count: > 0 } own
                ? KernelBuilder.Project($"aggregate_input_{index}", inputTypes, own, Cache)
                : null);
        }
        node = new HashAggregateNode(input, agg, kernel, evaluated.Select(e => e.Type).ToArray(), argColumn, filterColumn, factories, directInput)
        {
            KeyKernel = keyKernel,
            FusedFilter = fused,
            Direct = DirectAggregates ? DirectGroupAggregate.TryCreate(agg, inputTypes) : null,
            ExtraArgColumns = extraColumns.Any(e => e is not null) ? extraColumns : null,
            AggregateKernel = a => perAggregate[a].Value,
        };
        return node;
    }
}
