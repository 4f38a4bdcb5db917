using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Spill;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>
/// Runtime of <see cref="RecursiveUnionNode"/>. Rows stream out as they come (a LIMIT above stops
/// an endless recursion, as in PostgreSQL); the rows an iteration adds become the next working
/// table. UNION keeps every distinct row seen and drops repeats, so a cycle ends. No iteration
/// limit (PostgreSQL has none): an endless recursion runs until the query is cancelled, which is
/// checked at every batch and every iteration. Past the memory budget the next working table goes
/// to a spill file (written a batch at a time), which the recursive term's work table scan reads
/// and which is deleted when the iteration after it begins. UNION's set of rows seen spills too:
/// past the budget it is frozen, rows it does not hold wait in hash partitions until the
/// iteration's input ends, and then come out if no earlier row equals them
/// (<see cref="RecursiveSeenSpill"/>).
/// </summary>
internal sealed class RecursiveUnionStream(RecursiveUnionNode node, ExecutionContext context) : IBatchSource
{
    private IBatchSource? current;
    private Column[] next = Columns(node);
    private int nextCount;
    private readonly RowSet? seen = node.All ? null : new RowSet(node.RowOps, Columns(node));
    private RecursiveSeenSpill? seenSpill;
    private IEnumerator<RecordBatch>? resolving;
    private bool iterationDone;
    private Column[]? outputs;
    private SpillFile? nextFile;
    private SpillFile? readFile;
    private Column[]? staging;
    private RecordBatch? batch;

    private static Column[] Columns(RecursiveUnionNode node) => node.Output.Select(o =>
    {
        var c = PgArrowMapping.CreateColumn(o.Type, ExecutionContext.BatchRows);
        c.EnsureValidity(ExecutionContext.BatchRows);
        return c;
    }).ToArray();

    public RecordBatch? Next(CancellationToken cancellation)
    {
        current ??= node.Anchor.Open(context);
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            if (!iterationDone)
            {
                if (current.Next(cancellation) is { } b)
                {
                    if (Accept(b) is { } accepted) return accepted;
                    continue;
                }
                iterationDone = true; // not read again: a spill file source deletes its file at its end
            }
            if (NextResolved(cancellation) is { } resolved) return resolved;
            readFile?.Dispose(); // the iteration that read it is over
            readFile = null;
            if (nextCount == 0)
            {
                nextFile?.Dispose();
                return null;
            }
            if (nextFile is not null)
            {
                SpillNext();
                context.Shared[node.WorkTable] = new WorkTableRows([], nextCount) { File = nextFile };
                readFile = nextFile;
                nextFile = null;
            }
            else
            {
                context.Shared[node.WorkTable] = new WorkTableRows(next, nextCount);
                next = Columns(node);
            }
            nextCount = 0;
            current = node.Recursive.Open(context);
            iterationDone = false;
        }
    }

    /// <summary>Writes the rows of the next working table held in memory to its spill file, a batch at a time.</summary>
    private void SpillNext()
    {
        var ops = node.RowOps;
        int held = next[0].Length;
        nextFile ??= context.Spill.Create(new(Spill.SpillOperator.RecursiveUnion, node));
        staging ??= node.Output.Select(o => PgArrowMapping.CreateColumn(o.Type, ExecutionContext.BatchRows)).ToArray();
        for (int start = 0; start < held; start += ExecutionContext.BatchRows)
        {
            int n = Math.Min(ExecutionContext.BatchRows, held - start);
            for (int j = 0; j < staging.Length; j++) ColumnGather.Gather(next[j], null, start, n, staging[j], ops[j]);
            nextFile.Write(staging, n);
        }
        foreach (var c in next) c.Reset();
    }

    /// <summary>The batch's new rows (all of them for UNION ALL), also kept for the next iteration; null when none is new.</summary>
    private RecordBatch? Accept(RecordBatch b)
    {
        var accepted = AcceptRows(b);
        if (seen is not null && seenSpill is null && context.Spill.Limited && seen.Bytes > context.Spill.TableBudgetBytes)
            seenSpill = new RecursiveSeenSpill([.. node.Output.Select(o => o.Type)], node.RowOps, context, node);
        SpillNextIfOver();
        return accepted;
    }

    /// <summary>The next working table goes to its spill file once it passes the budget.</summary>
    private void SpillNextIfOver()
    {
        if (context.Spill.Limited && next.Length > 0 && next[0].Length > 0 && ColumnMemory.Bytes(next) > context.Spill.BudgetBytes) SpillNext();
    }

    /// <summary>
    /// Once the iteration's input has ended: the next batch of spilled candidates that proved new,
    /// kept for the next iteration like any new row; null when there are none (left).
    /// </summary>
    private RecordBatch? NextResolved(CancellationToken cancellation)
    {
        if (resolving is null)
        {
            if (seenSpill is not { HasCandidates: true }) return null;
            resolving = seenSpill.ResolveNew(cancellation).GetEnumerator();
        }
        if (!resolving.MoveNext())
        {
            resolving.Dispose();
            resolving = null;
            return null;
        }
        var b = resolving.Current;
        var ops = node.RowOps;
        for (int i = 0; i < b.Length; i++)
            for (int j = 0; j < ops.Length; j++) ops[j].Append(b.Columns[j], i, next[j]);
        nextCount += b.Length;
        SpillNextIfOver();
        return b;
    }

    private RecordBatch? AcceptRows(RecordBatch b)
    {
        int live = b.LiveRows;
        var ops = node.RowOps;
        if (seen is null)
        {
            for (int k = 0; k < live; k++)
            {
                int i = b.Selection is { } s ? s[k] : k;
                for (int j = 0; j < ops.Length; j++) ops[j].Append(b.Columns[j], i, next[j]);
            }
            nextCount += live;
            return live == 0 ? null : b;
        }
        outputs ??= node.Output.Select(o => PgArrowMapping.CreateColumn(o.Type, ExecutionContext.BatchRows)).ToArray();
        batch ??= new RecordBatch(outputs, 0);
        foreach (var c in outputs) KernelColumns.Prepare(c, live);
        int added = 0;
        for (int k = 0; k < live; k++)
        {
            int i = b.Selection is { } s ? s[k] : k;
            if (seenSpill is null)
            {
                if (!seen.Add(b.Columns, i)) continue;
            }
            else
            {
                // Frozen: a row the set holds is a repeat; any other is decided when the iteration ends.
                int hash = seen.Hash(b.Columns, i);
                if (!seen.Contains(b.Columns, i, hash)) seenSpill.AddCandidate(b.Columns, i, hash);
                continue;
            }
            for (int j = 0; j < ops.Length; j++)
            {
                ops[j].Append(b.Columns[j], i, next[j]);
                ops[j].Append(b.Columns[j], i, outputs[j]);
            }
            added++;
        }
        nextCount += added;
        if (added == 0) return null;
        batch.Length = added;
        return batch;
    }
}
