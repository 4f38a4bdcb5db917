using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators;

/// <summary>Runtime of <see cref="SortNode"/>.</summary>
internal sealed class SortStream(SortNode node, IBatchSource input, ExecutionContext context) : IBatchSource
{
    private Column[]? rows;
    private Column[]? keys;
    private ColumnOps[]? rowOps;
    private int[]? order;
    private int total;
    private int emitted;
    private Column[]? outputs;
    private RecordBatch? batch;

    public RecordBatch? Next(CancellationToken cancellation)
    {
        // LIMIT 0: PostgreSQL's Limit never runs its input, so errors the input would raise never happen.
        if (node.Plan.Limit == 0) return null;
        if (order is null) Consume(cancellation);
        if (emitted >= total) return null;
        outputs ??= node.OutputTypes.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows)).ToArray();
        batch ??= new RecordBatch(outputs, 0);
        int n = Math.Min(ExecutionContext.BatchRows, total - emitted);
        foreach (var c in outputs) Kernels.KernelColumns.Prepare(c, n);
        for (int r = emitted; r < emitted + n; r++)
        {
            for (int j = 0; j < outputs.Length; j++) rowOps![j].Append(rows![j], order![r], outputs[j]);
        }
        emitted += n;
        batch.Length = n;
        return batch;
    }

    private static Column[] Buffers(IEnumerable<Planner.Physical.OutputColumn> types) => types.Select(t =>
    {
        var c = PgArrowMapping.CreateColumn(t.Type, ExecutionContext.BatchRows);
        c.EnsureValidity(ExecutionContext.BatchRows);
        return c;
    }).ToArray();

    private void Consume(CancellationToken cancellation)
    {
        var inputOutput = node.Input.Output;
        rows = Buffers(inputOutput);
        rowOps = inputOutput.Select(o => ColumnOps.For(o.Type)).ToArray();
        var keyTypes = node.Plan.Keys.Select(k => new Planner.Physical.OutputColumn("key", k.Expr.Type)).ToArray();
        keys = Buffers(keyTypes);
        var evaluated = keyTypes.Select(t => PgArrowMapping.CreateColumn(t.Type, ExecutionContext.BatchRows)).ToArray();
        var keyOps = node.KeyOps;
        while (input.Next(cancellation) is { } b)
        {
            cancellation.ThrowIfCancellationRequested();
            ProjectStream.Run(node.KeyKernel, b, evaluated, context);
            int live = b.LiveRows;
            for (int k = 0; k < live; k++)
            {
                int i = b.Selection is { } s ? s[k] : k;
                for (int j = 0; j < rows.Length; j++) rowOps[j].Append(b.Columns[j], i, rows[j]);
                for (int j = 0; j < keys.Length; j++) keyOps[j].Append(evaluated[j], k, keys[j]);
            }
            total += live;
        }
        order = new int[total];
        for (int r = 0; r < total; r++) order[r] = r;
        var sortKeys = node.Plan.Keys;
        var keyCols = keys;
        Array.Sort(order, (a, b) =>
        {
            for (int j = 0; j < keyCols.Length; j++)
            {
                bool an = keyCols[j].IsNull(a), bn = keyCols[j].IsNull(b);
                int c;
                if (an || bn)
                {
                    if (an && bn) continue;
                    c = an == sortKeys[j].NullsFirst ? -1 : 1;
                    return c;
                }
                c = keyOps[j].Compare(keyCols[j], a, keyCols[j], b);
                if (c != 0) return sortKeys[j].Descending ? -c : c;
            }
            return a.CompareTo(b);
        });
        if (node.Plan.Limit is { } limit && limit < total) total = (int)limit;
    }
}
