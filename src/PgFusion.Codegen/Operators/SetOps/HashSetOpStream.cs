using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Logical;

namespace PgFusion.Codegen.Operators.SetOps;

/// <summary>
/// Runtime of <see cref="HashSetOpNode"/>: consumes the left, then the right input, then emits rows by their counts.
/// Past the memory budget, rows new to the table go to hash partitions (<see cref="Spill.SetOpSpill"/>);
/// a nested stream over a partition reads rows already projected (<paramref name="projected"/>).
/// </summary>
internal sealed class HashSetOpStream(HashSetOpNode node, IBatchSource left, IBatchSource right, ExecutionContext context,
    int level = 0, bool projected = false) : IBatchSource
{
    private Spill.SetOpSpill? spill;
    private GroupTable? table;
    private Spill.MemoryGauge? tableGauge;
    private long[] leftCounts = new long[256];
    private long[] rightCounts = new long[256];
    private int group;
    private long pending; // copies of the current group still to emit
    private Column[]? outputs;
    private RecordBatch? batch;
    private ColumnOps[]? ops;

    public RecordBatch? Next(CancellationToken cancellation)
    {
        if (table is null)
        {
            table = new GroupTable(node.OutputTypes);
            // INTERSECT is symmetric: the input PostgreSQL reads first is read first (its rows raise first)
            if (node.Plan.RightFirst)
            {
                Consume(right, node.RightKernel, ref rightCounts, isRight: true, cancellation);
                Consume(left, node.LeftKernel, ref leftCounts, isRight: false, cancellation);
            }
            else
            {
                Consume(left, node.LeftKernel, ref leftCounts, isRight: false, cancellation);
                Consume(right, node.RightKernel, ref rightCounts, isRight: true, cancellation);
            }
            spill?.Finish();
        }
        ops ??= node.OutputTypes.Select(ColumnOps.For).ToArray();
        outputs ??= node.OutputTypes.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows)).ToArray();
        batch ??= new RecordBatch(outputs, 0);
        foreach (var c in outputs) KernelColumns.Prepare(c, ExecutionContext.BatchRows);
        int n = 0;
        while (n < ExecutionContext.BatchRows)
        {
            if (pending == 0)
            {
                if (group >= table.Count) break;
                pending = Copies(leftCounts[group], rightCounts[group]);
                group++;
                continue;
            }
            for (int j = 0; j < outputs.Length; j++) ops[j].Append(table.Keys[j], group - 1, outputs[j]);
            pending--;
            n++;
        }
        if (n == 0)
        {
            tableGauge?.Dispose();
            if (spill is null) return null;
            table = new GroupTable(node.OutputTypes); // the spilled partitions come next; drop the memory
            group = 0;
            return spill.Next(cancellation);
        }
        batch.Length = n;
        return batch;
    }

    private long Copies(long m, long n) => (node.Plan.Kind, node.Plan.All) switch
    {
        (SetOpKind.Intersect, false) => m > 0 && n > 0 ? 1 : 0,
        (SetOpKind.Intersect, true) => Math.Min(m, n),
        (SetOpKind.Except, false) => m > 0 && n == 0 ? 1 : 0,
        _ => Math.Max(m - n, 0),
    };

    private void Consume(IBatchSource input, Kernel<ProjectKernel> kernel, ref long[] counts, bool isRight, CancellationToken cancellation)
    {
        var keys = node.OutputTypes.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows)).ToArray();
        var groupIds = new int[ExecutionContext.BatchRows];
        while (input.Next(cancellation) is { } b)
        {
            cancellation.ThrowIfCancellationRequested();
            int rows = b.LiveRows;
            var rowKeys = keys;
            if (projected) rowKeys = b.Columns as Column[] ?? [.. b.Columns];
            else ProjectStream.Run(kernel, b, keys, context);
            if (groupIds.Length < rows) groupIds = new int[rows];
            if (spill is not null)
            {
                rows = spill.Route(table!, rowKeys, rows, groupIds, right: isRight);
            }
            else
            {
                table!.Lookup(rowKeys, rows, groupIds);
                long bytes = Spill.SetOpSpill.Bytes(table);
                (tableGauge ??= context.Spill.Gauge(node)).Set(bytes);
                if (context.Spill.Limited && Spill.SetOpSpill.CanSpill(level) && bytes > context.Spill.TableBudgetBytes)
                    spill = new Spill.SetOpSpill(node, context, level);
            }
            if (counts.Length < table!.Count)
            {
                int size = Math.Max(table.Count, counts.Length * 2);
                Array.Resize(ref leftCounts, size);
                Array.Resize(ref rightCounts, size);
            }
            for (int r = 0; r < rows; r++) counts[groupIds[r]]++;
        }
    }
}
