using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Window;

/// <summary>
/// The error of a window argument that raised, deferred to the row PostgreSQL raises it at.
/// <para>
/// PostgreSQL's WindowAgg computes a row's window values, then projects the row (the select list
/// above the window), before it computes the next row's values; an aggregate's arguments are
/// evaluated for the rows that enter the frame as the frame's end reaches them
/// (nodeWindowAgg.c eval_windowaggregates, which advances up to the frame's tail), a lag/lead offset
/// on its own row (eval_windowfunction). So a projection that raises on row 1 raises before an
/// argument that raises on row 2 (seed 641 case 1743: `SELECT mod(c3, c1), min(c8 - 207) OVER
/// (PARTITION BY id ORDER BY id)` raises the division by zero of row 1, not the date overflow of
/// row 2). pg_fusion computes the arguments that can raise in a projection right below its window
/// (QueryBinder.WindowArgumentsAboveSort); on an error (never on the happy path) that projection
/// (<see cref="DeferringArgumentStream"/>) records the first raising row's position and error, and
/// passes that row and every later one on with those arguments NULL, so the window still sees every
/// row's keys (partition ends, peers, frames). The window then emits the rows whose values
/// PostgreSQL computes without evaluating the raising row's arguments (<see cref="RowsBefore"/>),
/// and raises the error in place of the first row that needs it.
/// </para>
/// </summary>
internal sealed class WindowArgumentError
{
    /// <summary>The position in the window's input (rows from 0, in input order) of the first row whose arguments raise; long.MaxValue while none has.</summary>
    public long Row { get; private set; } = long.MaxValue;

    public PgFusionException? Error { get; private set; }

    public void Set(long row, PgFusionException error)
    {
        Row = row;
        Error = error;
    }

    /// <summary>
    /// How many of a finished partition's first rows PostgreSQL emits before it evaluates the
    /// arguments of its row <paramref name="raisingRow"/>: row i needs the arguments of rows up to
    /// its frame's last row for an aggregate that reads a raising argument (its frame holds its own
    /// row: the binder leaves other frames over raising arguments to PostgreSQL), and of row i itself
    /// for another function that reads one.
    /// </summary>
    public static int RowsBefore(WindowPartition partition, WindowNode node, int raisingRow)
    {
        if (raisingRow >= partition.Rows) return partition.Rows;
        bool framed = node.RaisingFunctions.Any(f => node.Plan.Functions[f].Aggregate is not null);
        if (!framed) return raisingRow;
        var frames = partition.NewFrames();
        for (int first = 0; first < raisingRow; first += WindowFrames.Chunk)
        {
            int count = Math.Min(WindowFrames.Chunk, raisingRow - first);
            frames.Compute(first, count);
            for (int i = first; i < first + count; i++)
            {
                if (Math.Max(frames.FrameOf(i).End, i) >= raisingRow) return i;
            }
        }
        return raisingRow;
    }
}

/// <summary>
/// The projection of a window's arguments that can raise (see <see cref="WindowArgumentError"/>):
/// runs its kernel as a ProjectStream does until a row raises; then hands on the rows before it,
/// records the row's position and error, and computes that row and all later ones with the
/// arguments that can raise replaced by NULL (<paramref name="afterError"/>).
/// </summary>
internal sealed class DeferringArgumentStream(Kernel<ProjectKernel> kernel, Func<Kernel<ProjectKernel>> afterError, IReadOnlyList<PgType> types,
    IBatchSource input, ExecutionContext context, WindowArgumentError error) : IBatchSource
{
    private readonly Column[] _outputs = [.. types.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows))];
    private RecordBatch? _batch;
    private RecordBatch? _rest; // the raising row and the rows after it of the batch it is in
    private long _rows; // rows handed on

    public RecordBatch? Next(CancellationToken cancellation)
    {
        _batch ??= new RecordBatch(_outputs, 0);
        RecordBatch next;
        if (_rest is not null)
        {
            next = _rest;
            _rest = null;
        }
        else
        {
            try
            {
                var read = input.Next(cancellation);
                if (read is null) return null;
                next = read;
            }
            catch (PgFusionException) when (error.Error is { } deferred)
            {
                // the input raised on a row after the raising one (the scan's filter without a sort
                // below the window): PostgreSQL reads and evaluates rows in this order
                throw deferred;
            }
        }
        if (error.Error is not null)
        {
            ProjectStream.Run(afterError(), next, _outputs, context);
            return Handed(next.LiveRows);
        }
        try
        {
            ProjectStream.Run(kernel, next, _outputs, context);
            return Handed(next.LiveRows);
        }
        catch (PgFusionException raised)
        {
            PgFusionException first = raised;
            int rows = 0;
            var before = next.LiveRows > 1
                ? RowOrder.PrefixBeforeError(next, b =>
                {
                    ProjectStream.Run(kernel, b, _outputs, context);
                    return b.LiveRows;
                }, raised, out first, out rows)
                : null;
            error.Set(_rows + rows, first);
            int live = next.LiveRows;
            var selected = new int[live - rows];
            for (int k = rows; k < live; k++) selected[k - rows] = next.Selection is { } s ? s[k] : k;
            var rest = new RecordBatch(next.Columns, next.Length) { Selection = selected, SelectedCount = selected.Length };
            if (before is null)
            {
                ProjectStream.Run(afterError(), rest, _outputs, context);
                return Handed(rest.LiveRows);
            }
            _rest = rest;
            return Handed(rows);
        }
    }

    private RecordBatch Handed(int rows)
    {
        _batch!.Length = rows;
        _rows += rows;
        return _batch;
    }
}
