using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Spill;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>
/// Runtime of <see cref="WorkTableScanNode"/>: the working table as it is when the recursive term
/// first reads, in batches; a spilled one is read from its file (from the start, the file stays for
/// the recursive union to delete).
/// </summary>
internal sealed class WorkTableScanStream(WorkTableScanNode node, ExecutionContext context) : IBatchSource
{
    private WorkTableRows? rows;
    private SpillFileSource? spilled;
    private int emitted;
    private Column[]? outputs;
    private RecordBatch? batch;

    public RecordBatch? Next(CancellationToken cancellation)
    {
        if (rows is null)
        {
            rows = context.Shared.TryGetValue(node.WorkTable, out var state)
                ? (WorkTableRows)state
                : throw new InvalidOperationException($"work table {node.WorkTable.Name} is read outside its recursive union");
            if (rows.File is { } file)
            {
                file.Rewind();
                spilled = new SpillFileSource(file, [.. node.Output.Select(o => o.Type)], deleteAtEnd: false);
            }
        }
        if (spilled is not null) return spilled.Next(cancellation);
        if (emitted >= rows.Count) return null;
        outputs ??= node.Output.Select(o => PgArrowMapping.CreateColumn(o.Type, ExecutionContext.BatchRows)).ToArray();
        batch ??= new RecordBatch(outputs, 0);
        int n = Math.Min(ExecutionContext.BatchRows, rows.Count - emitted);
        foreach (var c in outputs) KernelColumns.Prepare(c, n);
        for (int r = emitted; r < emitted + n; r++)
        {
            for (int j = 0; j < outputs.Length; j++) node.RowOps[j].Append(rows.Rows[j], r, outputs[j]);
        }
        emitted += n;
        batch.Length = n;
        return batch;
    }
}
