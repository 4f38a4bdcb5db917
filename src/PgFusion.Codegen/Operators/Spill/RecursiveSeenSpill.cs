using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Cte;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// The spilled part of a recursive UNION's set of rows seen (<see cref="RecursiveUnionStream"/>).
/// Once the in-memory set passes the budget it is frozen: a row it holds is a repeat, any other row
/// is a candidate and goes to one of 16 partition files by its hash. When the iteration's input
/// ends, each partition with candidates is resolved: its rows seen since the freeze (one file per
/// partition) are loaded into a set, the candidates are added in arrival order, and those that are
/// new are the iteration's remaining new rows and are appended to the partition's file (which is
/// never rewritten: an iteration writes only its new rows).
/// Equal rows share a partition, so every row is checked against every earlier equal row, and the
/// first of equal rows wins, as in memory. Only one partition's rows are in memory at a time.
/// </summary>
internal sealed class RecursiveSeenSpill
{
    private readonly ExecutionContext context;
    private readonly ColumnOps[] ops;
    private readonly IReadOnlyList<PgType> types;
    private readonly SpillFile?[] seen = new SpillFile[HashPartitioner.Fanout];
    private HashPartitioner candidates;
    private bool anyCandidate;
    private readonly SpillOwner owner;

    public RecursiveSeenSpill(IReadOnlyList<PgType> types, ColumnOps[] ops, ExecutionContext context, OperatorNode node)
    {
        owner = new SpillOwner(SpillOperator.RecursiveUnionSeen, node);
        this.types = types;
        this.ops = ops;
        this.context = context;
        candidates = new HashPartitioner(types, 0, context, owner);
        context.Spill.CountRecursiveSeenSpill();
    }

    /// <summary>Notes a row the frozen in-memory set does not hold; <paramref name="hash"/> is its <see cref="RowSet.Hash"/>.</summary>
    public void AddCandidate(IReadOnlyList<Column> columns, int row, int hash)
    {
        candidates.Add(columns as Column[] ?? [.. columns], row, hash); // batches hold arrays: no copy
        anyCandidate = true;
    }

    public bool HasCandidates => anyCandidate;

    /// <summary>
    /// The iteration's candidates that no earlier row equals, a batch per candidate block (reusing
    /// one set of output columns); afterwards the candidate files are gone and new ones collect the
    /// next iteration's rows.
    /// </summary>
    public IEnumerable<RecordBatch> ResolveNew(CancellationToken cancellation)
    {
        var files = candidates.Finish();
        candidates = new HashPartitioner(types, 0, context, owner);
        anyCandidate = false;
        var block = NewColumns();
        var outputs = NewColumns();
        var batch = new RecordBatch(outputs, 0);
        for (int p = 0; p < HashPartitioner.Fanout; p++)
        {
            if (files[p] is not { } candidateFile) continue;
            var set = new RowSet(ops, NewColumns());
            if (seen[p] is { } old)
            {
                old.Rewind(); // read in full at an earlier resolve (a no-op after a write)
                for (int rows; (rows = old.Read(block)) >= 0;)
                    for (int r = 0; r < rows; r++) set.Add(block, r);
            }
            for (int rows; (rows = candidateFile.Read(block)) >= 0;)
            {
                cancellation.ThrowIfCancellationRequested();
                foreach (var c in outputs) KernelColumns.Prepare(c, rows);
                int added = 0;
                for (int r = 0; r < rows; r++)
                {
                    if (!set.Add(block, r)) continue;
                    for (int j = 0; j < ops.Length; j++) ops[j].Append(block[j], r, outputs[j]);
                    added++;
                }
                if (added == 0) continue;
                (seen[p] ??= context.Spill.Create(owner)).Write(outputs, added);
                batch.Length = added;
                batch.Selection = null;
                yield return batch;
            }
            candidateFile.Dispose();
        }
    }

    private Column[] NewColumns() => [.. types.Select(t =>
    {
        var c = PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows);
        c.EnsureValidity(ExecutionContext.BatchRows);
        return c;
    })];
}
