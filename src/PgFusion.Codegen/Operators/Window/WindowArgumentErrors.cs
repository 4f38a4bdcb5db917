using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner.Logical;
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
    /// How many of a partition's first rows PostgreSQL emits (computes and projects) before it
    /// raises one of two errors, and which one it raises: the argument error of the partition's row
    /// <paramref name="raisingRow"/> (int.MaxValue: none), or, when <paramref name="truncated"/>, the
    /// error the input raised when asked for the row after the partition's <see cref="WindowPartition.Rows"/>
    /// rows (a WindowAgg or a filter below without a sort between, which hand on rows one at a time).
    /// <para>
    /// It replays nodeWindowAgg.c's order for rows c = 0, 1, ...: ExecWindowAgg spools the input up
    /// to row c; the functions other than aggregates spool what they read (the partition's row count
    /// for percent_rank / cume_dist / ntile, lead's target row, first/last/nth_value's frame end) and
    /// evaluate their arguments on row c; then eval_windowaggregates takes rows into the aggregates
    /// one at a time from where it stopped (or from the frame's start when that moved past it):
    /// fetching the row spools it, a row past the frame's end stops it (fetched, not aggregated), an
    /// aggregated row has its arguments evaluated; an unchanged frame ending at CURRENT ROW or
    /// UNBOUNDED FOLLOWING reuses the last values without fetching. Spooling past the rows read
    /// raises the input's error; evaluating <paramref name="raisingRow"/>'s arguments raises its own.
    /// </para>
    /// </summary>
    public static int RowsBefore(WindowPartition partition, WindowNode node, int raisingRow, bool truncated, out bool inputFirst)
    {
        int rows = partition.Rows;
        var functions = node.Plan.Functions;
        var frame = node.Plan.Frame;
        bool aggregates = functions.Any(f => f.Aggregate is not null);
        bool aggregateReadsRaising = node.RaisingFunctions.Any(f => functions[f].Aggregate is not null);
        bool otherReadsRaising = node.RaisingFunctions.Any(f => functions[f].Aggregate is null);
        bool rowCount = functions.Any(f => f.Kind is WindowFunctionKind.PercentRank or WindowFunctionKind.CumeDist or WindowFunctionKind.Ntile);
        bool frameValue = functions.Any(f => f.Kind is WindowFunctionKind.FirstValue or WindowFunctionKind.LastValue or WindowFunctionKind.NthValue);
        var shifts = functions.Where(f => f.Kind is WindowFunctionKind.Lag or WindowFunctionKind.Lead).ToArray();
        bool rangeLike = frame.Mode != WindowFrameMode.Rows;
        bool reuse = frame.End is WindowFrameBound.CurrentRow or WindowFrameBound.UnboundedFollowing;
        long spooled = 0; // rows [0, spooled) read from the input
        bool Spool(long position) // false: reading it raises the input's error
        {
            if (position < spooled) return true;
            if (position >= rows)
            {
                if (truncated) return false;
                spooled = rows;
                return true;
            }
            spooled = position + 1;
            return true;
        }
        inputFirst = false;
        var frames = partition.NewFrames();
        long aggregatedUpTo = 0, aggregatedBase = -1;
        for (int first = 0; first < rows; first += WindowFrames.Chunk)
        {
            int count = Math.Min(WindowFrames.Chunk, rows - first);
            frames.Compute(first, count);
            for (int c = first; c < first + count; c++)
            {
                var (head, tail) = frames.FrameOf(c);
                bool spooledAll = Spool(c)
                    && (!rowCount || Spool(long.MaxValue))
                    && (!frameValue || Spool(frame.End == WindowFrameBound.UnboundedFollowing ? long.MaxValue : tail + (rangeLike ? 1 : 0)))
                    && shifts.All(f => Spool(ShiftTarget(partition, f, c)));
                if (!spooledAll)
                {
                    inputFirst = true;
                    return c;
                }
                if (otherReadsRaising && c == raisingRow) return c;
                if (!aggregates) continue;
                if (aggregatedBase == head && reuse && aggregatedBase <= c && aggregatedUpTo > c) continue;
                if (rangeLike && frame.End is WindowFrameBound.OffsetFollowing or WindowFrameBound.OffsetPreceding && !Spool(tail + 1))
                {
                    inputFirst = true;
                    return c;
                }
                long j = Math.Max(aggregatedUpTo, head);
                while (true)
                {
                    if (!Spool(j))
                    {
                        inputFirst = true;
                        return c;
                    }
                    if (j >= rows || j > tail) break;
                    if (aggregateReadsRaising && j == raisingRow) return c;
                    j++;
                }
                aggregatedUpTo = Math.Max(aggregatedUpTo, j);
                aggregatedBase = head;
            }
        }
        inputFirst = truncated;
        return rows;
    }

    /// <summary>The row lag / lead reads at row <paramref name="c"/> (its offset read there; the row itself when NULL).</summary>
    private static long ShiftTarget(WindowPartition partition, Planner.Physical.PhysicalWindowFunction f, int c)
    {
        long offset = 1;
        if (f.Args.Count > 1)
        {
            var column = (PrimitiveColumn<int>)partition.At(f.Args[1], c, out int r);
            offset = column.IsNull(r) ? 0 : column.Values[r];
        }
        return f.Kind == WindowFunctionKind.Lead ? c + offset : c - offset;
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
            // an error of the input (a filter or a window below without a sort between) goes up to
            // the window, which weighs it against the deferred one (WindowArgumentError.RowsBefore)
            var read = input.Next(cancellation);
            if (read is null) return null;
            next = read;
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
