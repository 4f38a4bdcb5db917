using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Spill;

namespace PgFusion.Codegen.Operators;

/// <summary>
/// Runtime of <see cref="HashAggregateNode"/>: consumes the whole input, then emits one row per group.
/// Past the memory budget the table stops taking new groups: rows of known groups still fold in,
/// rows of other groups go to hash partitions on disk (<see cref="AggregateSpill"/>), each
/// aggregated afterwards by a nested stream of its own, as PostgreSQL's hash aggregate spills.
/// </summary>
internal sealed class HashAggregateStream(HashAggregateNode node, IBatchSource input, ExecutionContext context, int level = 0) : IBatchSource
{
    private GroupTable? table;
    private bool consumed;
    private AggregateSpill? spill;
    private Accumulator[]? accumulators;
    private int groups;
    private int emitted;
    private Column[]? outputs;
    private RecordBatch? batch;

    public RecordBatch? Next(CancellationToken cancellation)
    {
        if (!consumed) Consume(cancellation);
        if (emitted >= groups)
        {
            table = null;
            accumulators = null;
            return spill?.Next(cancellation);
        }
        outputs ??= node.OutputTypes.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows)).ToArray();
        batch ??= new RecordBatch(outputs, 0);
        int n = Math.Min(ExecutionContext.BatchRows, groups - emitted);
        foreach (var c in outputs) Kernels.KernelColumns.Prepare(c, n);
        int keyCount = node.Plan.GroupKeys.Count;
        for (int g = emitted; g < emitted + n; g++)
        {
            for (int j = 0; j < keyCount; j++) KeyOps[j].Append(table!.Keys[j], g, outputs[j]);
            for (int a = 0; a < accumulators!.Length; a++) accumulators[a].Write(g, outputs[keyCount + a]);
        }
        emitted += n;
        batch.Length = n;
        return batch;
    }

    private ColumnOps[] KeyOps => keyOps ??= node.Plan.GroupKeys.Select(k => ColumnOps.For(k.Type)).ToArray();

    private ColumnOps[]? keyOps;

    /// <summary>The next input batch; with a fused filter, batches it folds itself are consumed here.</summary>
    private RecordBatch? NextInput(CancellationToken cancellation)
    {
        while (input.Next(cancellation) is { } b)
        {
            if (node.FusedFilter is not { } fused) return b;
            if (fused.TryFold(b, accumulators!)) continue;
            if (fused.Filter(b, context.Kernel) is { } kept) return kept;
        }
        return null;
    }

    private void Consume(CancellationToken cancellation)
    {
        consumed = true;
        int keyCount = node.Plan.GroupKeys.Count;
        accumulators = node.Accumulators.Select(f => f()).ToArray();
        table = keyCount > 0 ? new GroupTable(node.Plan.GroupKeys.Select(k => k.Type).ToArray()) : null;
        var types = node.EvaluatedTypes;
        var computed = Enumerable.Range(0, types.Count).Where(j => node.KernelColumn[j] >= 0)
            .Select(j => PgArrowMapping.CreateColumn(types[j], ExecutionContext.BatchRows)).ToArray();
        var gathered = new Column?[types.Count];
        var gatherOps = new ColumnOps?[types.Count];
        var evaluated = new Column[types.Count];
        var keys = new Column[keyCount];
        var groupIds = new int[ExecutionContext.BatchRows];
        groups = keyCount == 0 ? 1 : 0;
        foreach (var acc in accumulators) acc.EnsureGroups(Math.Max(groups, 1));
        var direct = node.Direct?.Open();
        while (NextInput(cancellation) is { } b)
        {
            cancellation.ThrowIfCancellationRequested();
            if (direct is not null && spill is null && direct.TryFold(b, table, accumulators))
            {
                if (table is null) continue;
                groups = table.Count;
                if (context.Spill.Limited && AggregateSpill.Exceeds(table, accumulators.Length, context.Spill.BudgetBytes))
                    spill = new AggregateSpill(node, context, level);
                continue;
            }
            int rows = b.LiveRows;
            if (node.InputKernel is not null) ProjectStream.Run(node.InputKernel, b, computed, context);
            for (int j = 0; j < evaluated.Length; j++)
            {
                int d = node.DirectInput[j];
                if (d < 0)
                {
                    evaluated[j] = computed[node.KernelColumn[j]];
                }
                else if (b.Selection is null)
                {
                    evaluated[j] = b.Columns[d];
                }
                else
                {
                    var into = gathered[j] ??= PgArrowMapping.CreateColumn(types[j], ExecutionContext.BatchRows);
                    ColumnGather.Gather(b.Columns[d], b.Selection, rows, into, gatherOps[j] ??= ColumnOps.For(types[j]));
                    evaluated[j] = into;
                }
            }
            Array.Copy(evaluated, keys, keyCount);
            if (groupIds.Length < rows) groupIds = new int[rows];
            var use = evaluated;
            if (table is null) Array.Clear(groupIds, 0, rows);
            else if (spill is not null)
            {
                use = spill.Route(table, keys, evaluated, rows, groupIds, out rows);
                groups = table.Count;
                foreach (var acc in accumulators) acc.EnsureGroups(groups);
            }
            else
            {
                table.Lookup(keys, rows, groupIds);
                groups = table.Count;
                foreach (var acc in accumulators) acc.EnsureGroups(groups);
                if (context.Spill.Limited && AggregateSpill.Exceeds(table, accumulators.Length, context.Spill.BudgetBytes))
                    spill = new AggregateSpill(node, context, level);
            }
            for (int a = 0; a < accumulators.Length; a++)
            {
                var arg = node.ArgColumn[a] >= 0 ? use[node.ArgColumn[a]] : null;
                var filter = node.FilterColumn[a] >= 0 ? (BooleanColumn)use[node.FilterColumn[a]] : null;
                if (node.ExtraArgColumns?[a] is { } extra)
                    ((IMultiArgumentAccumulator)accumulators[a]).SetExtraArguments(Array.ConvertAll(extra, i => use[i]));
                if (table is null) accumulators[a].UpdateSingleGroup(arg, filter, rows, groupIds);
                else accumulators[a].Update(arg, filter, rows, groupIds);
            }
        }
        spill?.Finish();
    }
}
