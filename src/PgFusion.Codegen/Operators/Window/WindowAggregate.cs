using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators.Window;

/// <summary>How an aggregate used as a window function computes its frames (WindowNode.Strategy).</summary>
internal enum WindowAggregateStrategy
{
    None,
    Running,
    ReverseRunning,
    Sliding,
    PerRow,
}

/// <summary>
/// An aggregate used as a window function, through the hash aggregate's accumulators (so its result
/// types, scales and NaN/Infinity handling are the GROUP BY aggregate's). Each row's value is the
/// aggregate of its frame's rows fed in partition order, as PostgreSQL's WindowAgg computes it
/// (its inverse transition functions, where it uses them, give the same values).
/// <para>
/// One instance computes one function over one partition, <see cref="WindowPartition.ResultChunk"/>
/// rows at a time in row order (<see cref="Compute"/>): the partition copies its rows out a chunk of
/// values at a time, so the values of a partition are never held whole, whatever its size. What a
/// strategy carries from one chunk to the next is its accumulators' state, not values.
/// </para>
/// </summary>
internal abstract partial class WindowAggregate
{
    protected const int Chunk = 1024;

    protected WindowAggregate(WindowPartition partition, WindowAggregateInput input, Func<Accumulator> factory)
    {
        Partition = partition;
        Input = input;
        Factory = factory;
    }

    protected WindowPartition Partition { get; }

    protected WindowAggregateInput Input { get; }

    protected Func<Accumulator> Factory { get; }

    /// <param name="arg">The argument's input column; null for count(*).</param>
    /// <param name="filter">The FILTER's input column; null without FILTER.</param>
    /// <param name="strategy">How the frames are computed (WindowNode picks it from the frame and the aggregate).</param>
    public static WindowAggregate Create(WindowPartition partition, int? arg, int? filter, Func<Accumulator> factory, WindowAggregateStrategy strategy, Types.PgType resultType, ColumnOps resultOps)
    {
        var input = new WindowAggregateInput(partition, arg, filter, Chunk);
        return strategy switch
        {
            WindowAggregateStrategy.Running => new Running(partition, input, factory, resultType, resultOps),
            WindowAggregateStrategy.ReverseRunning => new ReverseRunning(partition, input, factory, resultType, resultOps),
            WindowAggregateStrategy.Sliding => new Sliding(partition, input, factory),
            _ => new PerRow(partition, input, factory),
        };
    }

    /// <summary>
    /// Appends the values of rows [<paramref name="first"/>, first + rows) to <paramref name="result"/>.
    /// Calls come in row order, chunk after chunk from row 0: <paramref name="first"/> is a multiple of
    /// <see cref="WindowPartition.ResultChunk"/> and <paramref name="rows"/> is that many (fewer for the last chunk).
    /// </summary>
    public abstract void Compute(int first, int rows, Column result);

    /// <summary>
    /// Bytes of accumulator state this function carries from chunk to chunk (a running aggregate's
    /// accumulator, a sliding one's front and back, a reverse running one's checkpoints), counted as
    /// the hash aggregate counts a group table's states: 32 bytes per group and what the
    /// accumulator holds beyond (<see cref="Accumulator.HeldBytes"/>: text extremes, numeric sums,
    /// string_agg's text). The partition adds it to the window node's gauge.
    /// </summary>
    public long HeldBytes => CountStates ? StateBytes() : 0;

    /// <summary>
    /// Bytes of the last chunk's values as the strategy holds them besides the partition's chunk of
    /// results: the accumulator of its rows' frames (a group each), the values computed backwards,
    /// a sliding front's suffixes within one block: a chunk's worth whatever the partition's size.
    /// Also in the window node's gauge, not in the states' share of the budget.
    /// </summary>
    public long ChunkBytes => CountStates ? ValuesBytes() : 0;

    /// <summary>The states held now (<see cref="HeldBytes"/>), by strategy.</summary>
    protected abstract long StateBytes();

    /// <summary>The chunk's values held now (<see cref="ChunkBytes"/>), by strategy.</summary>
    protected abstract long ValuesBytes();

    /// <summary>What <paramref name="groups"/> groups of <paramref name="acc"/> hold (0 for none).</summary>
    protected static long BytesOf(Accumulator? acc, int groups) =>
        acc is null ? 0 : (long)StateBytesPerGroup * groups + acc.HeldBytes;

    /// <summary>Bytes counted per group for an accumulator's state arrays, as Spill.AggregateSpill counts them.</summary>
    protected const int StateBytesPerGroup = 32;

    /// <summary>
    /// PGFUSION_WINDOW_STATES=0 in the server's environment leaves the window aggregates' states out
    /// of the gauge and the budget (a reverse running aggregate then keeps a checkpoint per chunk
    /// whatever they take, as before 2026-12-03), for A/B measurements only.
    /// </summary>
    internal static readonly bool CountStates = Environment.GetEnvironmentVariable("PGFUSION_WINDOW_STATES") != "0";

    protected Accumulator NewAccumulator(int groups)
    {
        var acc = Factory();
        acc.EnsureGroups(groups);
        return acc;
    }

    /// <summary>
    /// Frames that start at the partition's first row only grow: one accumulator takes the rows as
    /// the frame's end passes them, and its value is written for each row (Write leaves the state as is).
    /// Rows whose frame is the previous row's (peers, or a whole partition) copy its value, as
    /// PostgreSQL reuses an unchanged frame's result: a final step such as avg(numeric)'s division
    /// then runs once per frame, not once per row.
    /// </summary>
    private sealed class Running(WindowPartition partition, WindowAggregateInput input, Func<Accumulator> factory, Types.PgType resultType, ColumnOps resultOps)
        : WindowAggregate(partition, input, factory)
    {
        private readonly int[] _zeros = new int[Chunk];
        private Accumulator? _acc;
        private long _added; // rows [0, _added) are in the accumulator
        private Column? _last; // holds the value of the frame ending at _added - 1 when _lastValid
        private bool _lastValid;

        protected override long StateBytes() => BytesOf(_acc, 1);

        protected override long ValuesBytes() => _last is null ? 0 : Spill.ColumnMemory.Bytes(_last);

        public override void Compute(int first, int rows, Column result)
        {
            _acc ??= NewAccumulator(1);
            for (int i = first; i < first + rows; i++)
            {
                var (_, end) = Partition.FrameOf(i);
                if (i > 0 && _added > end)
                {
                    // the previous row's frame: the end never moves back, and _added is one past it
                    if (!_lastValid)
                    {
                        _last ??= PgArrowMapping.CreateColumn(resultType, 1);
                        _last.Reset();
                        _acc.Write(0, _last);
                        _lastValid = true;
                    }
                    ColumnGather.Append(_last!, null, 0, 1, result, resultOps);
                    continue;
                }
                while (_added <= end)
                {
                    int count = (int)Math.Min(Chunk, end + 1 - _added);
                    Input.Gather(_added, count);
                    _acc.Update(Input.Arg, Input.Filter, count, _zeros);
                    _added += count;
                }
                _lastValid = false;
                _acc.Write(0, result);
            }
        }
    }

    /// <summary>
    /// Frames whose start moves: each row's frame is aggregated afresh, up to <see cref="Chunk"/> rows'
    /// frames at a time as groups of one accumulator, every frame's rows fed in partition order.
    /// </summary>
    private sealed class PerRow(WindowPartition partition, WindowAggregateInput input, Func<Accumulator> factory)
        : WindowAggregate(partition, input, factory)
    {
        private readonly int[] _selection = new int[Chunk];
        private readonly int[] _groups = new int[Chunk];
        private Accumulator? _values; // the last chunk's frames, one group each
        private int _valueGroups;

        protected override long StateBytes() => 0;

        protected override long ValuesBytes() => BytesOf(_values, _valueGroups);

        public override void Compute(int first, int rows, Column result)
        {
            for (int at = first; at < first + rows; at += Chunk)
            {
                int count = Math.Min(Chunk, first + rows - at);
                var acc = NewAccumulator(count);
                (_values, _valueGroups) = (acc, count);
                int pending = 0;
                for (int g = 0; g < count; g++)
                {
                    var (start, end) = Partition.FrameOf(at + g);
                    for (long j = start; j <= end; j++)
                    {
                        _selection[pending] = (int)j;
                        _groups[pending] = g;
                        if (++pending == Chunk)
                        {
                            Feed(acc, pending);
                            pending = 0;
                        }
                    }
                }
                if (pending > 0) Feed(acc, pending);
                for (int g = 0; g < count; g++) acc.Write(g, result);
            }
        }

        private void Feed(Accumulator acc, int count)
        {
            Input.Gather(_selection, count);
            acc.Update(Input.Arg, Input.Filter, count, _groups);
        }
    }
}
