using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Spill;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>
/// One execution's rows of a materialized CTE, read by all its references. Like PostgreSQL's
/// CTE tuplestore it fills on demand: a reference that has read every buffered row pulls the
/// next batch from the CTE's plan, so a reference under a LIMIT stops the CTE's plan as soon as
/// the LIMIT is met (a WITH RECURSIVE ... UNION ALL that never ends included). A CTE whose rows
/// pass the operator memory budget stops growing: the reference that pulled last takes over the
/// plan's stream, and any other that reaches the end of the buffered rows runs the CTE's plan again
/// past them (a SELECT gives the same rows each time).
/// </summary>
internal sealed class CteBuffer(MaterializeNode source)
{
    private IBatchSource? input;

    /// <summary>
    /// Rows a chunk of the buffer holds (a multiple of <see cref="ExecutionContext.BatchRows"/>).
    /// The rows are kept in chunks, not in one array per column that doubles as it fills: TPC-H
    /// Q21's 2M-row shared subplan spent ~20 % of the worker's CPU copying its columns into larger
    /// arrays and faulting in the fresh pages of each (perf/perf24-2026-12-03.md). The first chunk
    /// grows from one batch as before, so a small CTE takes no more memory than it did; the later
    /// ones are allocated whole. PGFUSION_CTE_CHUNKS=0 in the worker's environment keeps one chunk
    /// (the old growth), for A/B.
    /// </summary>
    internal static readonly int ChunkRows = Environment.GetEnvironmentVariable("PGFUSION_CTE_CHUNKS") == "0" ? int.MaxValue : 64 * ExecutionContext.BatchRows;

    private readonly List<Column[]> chunks = [NewChunk(source, ExecutionContext.BatchRows)];

    /// <summary>Bytes of the rows in the chunks before the last (counted once, when the next chunk starts).</summary>
    private long fullChunkBytes;

    /// <summary>Rows in the last chunk (the ones before it hold <see cref="ChunkRows"/> each); a CTE may have no columns.</summary>
    private int lastRows;

    private static Column[] NewChunk(MaterializeNode source, int capacity) => [.. source.Output.Select(o =>
    {
        var c = PgArrowMapping.CreateColumn(o.Type, capacity);
        c.EnsureCapacity(capacity);
        c.EnsureValidity(capacity);
        return c;
    })];

    /// <summary>
    /// Where buffered row <paramref name="row"/> is: its chunk's columns, its index in them, and how
    /// many rows from it on that chunk holds.
    /// </summary>
    public (Column[] Columns, int Index, int Rows) Locate(int row)
    {
        int chunk = row / ChunkRows;
        int index = row - chunk * ChunkRows;
        return (chunks[chunk], index, (chunk == chunks.Count - 1 ? lastRows : ChunkRows) - index);
    }

    public int Count { get; private set; }

    public bool Complete { get; private set; }

    public bool Overflowed { get; private set; }

    /// <summary>
    /// Reads the next batch of the CTE's plan into the buffer: true when rows were added or the
    /// buffer overflowed (see <paramref name="takenOver"/>), false at the end of the CTE's rows.
    /// On overflow the caller, which has read every buffered row, gets the plan's stream.
    /// </summary>
    public bool Pull(ExecutionContext context, CancellationToken cancellation, out IBatchSource? takenOver)
    {
        takenOver = null;
        if (Complete || Overflowed) return false;
        if (input is null)
        {
            input = OpenPlan(context);
        }
        else if (input is FillingMarker)
        {
            throw new InvalidOperationException($"CTE {source.Cte.Name} reads itself while it is being computed");
        }
        var reading = input;
        input = FillingMarker.Instance;
        try
        {
            while (reading.Next(cancellation) is { } b)
            {
                cancellation.ThrowIfCancellationRequested();
                int live = b.LiveRows;
                if (live == 0) continue;
                var ops = source.RowOps;
                for (int done = 0; done < live;)
                {
                    var last = chunks[^1];
                    if (lastRows == ChunkRows)
                    {
                        fullChunkBytes += ColumnMemory.Bytes(last);
                        chunks.Add(last = NewChunk(source, ChunkRows));
                        lastRows = 0;
                    }
                    int n = Math.Min(ChunkRows - lastRows, live - done);
                    for (int j = 0; j < last.Length; j++) ColumnGather.Append(b.Columns[j], b.Selection, done, n, last[j], ops[j]);
                    lastRows += n;
                    done += n;
                }
                Count += live;
                if (context.Spill.Limited && fullChunkBytes + ColumnMemory.Bytes(chunks[^1]) > context.Spill.BudgetBytes)
                {
                    Overflowed = true;
                    takenOver = reading;
                    reading = null;
                }
                return true;
            }
            Complete = true;
            reading = null;
            return false;
        }
        finally
        {
            input = reading;
        }
    }

    /// <summary>
    /// The CTE's plan, on several threads when it is a parallel pipeline worth them (a shared
    /// subplan's filtered scan: TPC-H Q21's lineitem), gathered in scan order so the rows and any
    /// error come as from a serial run. A reference under a LIMIT may leave the rows unread: the
    /// threads are stopped when the execution ends.
    /// </summary>
    private IBatchSource OpenPlan(ExecutionContext context)
    {
        var plan = ParallelGatherStream.Open(source.Input, context, $"CTE {source.Cte.Name} rows");
        if (plan is ParallelGatherStream gather) context.OnFinished(gather.Abandon);
        return plan;
    }

    /// <summary>Stands in for the plan's stream while a pull reads it, so a reference the pull reaches again is caught.</summary>
    private sealed class FillingMarker : IBatchSource
    {
        public static readonly FillingMarker Instance = new();

        public RecordBatch? Next(CancellationToken cancellation) => null;
    }
}
