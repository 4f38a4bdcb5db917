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

    public Column[] Rows { get; } = [.. source.Output.Select(o =>
    {
        var c = PgArrowMapping.CreateColumn(o.Type, ExecutionContext.BatchRows);
        c.EnsureValidity(ExecutionContext.BatchRows);
        return c;
    })];

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
                for (int j = 0; j < Rows.Length; j++) ColumnGather.Append(b.Columns[j], b.Selection, 0, live, Rows[j], ops[j]);
                Count += live;
                if (context.Spill.Limited && ColumnMemory.Bytes(Rows) > context.Spill.BudgetBytes)
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
