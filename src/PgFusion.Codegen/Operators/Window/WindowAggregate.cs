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
/// </summary>
internal static partial class WindowAggregate
{
    private const int Chunk = 1024;

    /// <param name="arg">The argument column of the partition's rows; null for count(*).</param>
    /// <param name="filter">The FILTER column of the partition's rows; null without FILTER.</param>
    /// <param name="strategy">How the frames are computed (WindowNode picks it from the frame and the aggregate).</param>
    public static void Compute(WindowPartition partition, Column? arg, Column? filter, Func<Accumulator> factory, WindowAggregateStrategy strategy, Column result, Types.PgType resultType, ColumnOps resultOps)
    {
        var input = new WindowAggregateInput(partition, arg, filter, Chunk);
        switch (strategy)
        {
            case WindowAggregateStrategy.Running:
                Running(partition, input, factory, result, resultType, resultOps);
                break;
            case WindowAggregateStrategy.ReverseRunning:
                ReverseRunning(partition, input, factory, result, resultType, resultOps);
                break;
            case WindowAggregateStrategy.Sliding:
                Sliding(partition, input, factory, result);
                break;
            default:
                PerRow(partition, input, factory, result);
                break;
        }
    }

    /// <summary>
    /// Frames that end at the partition's last row only grow from the end back (their start never
    /// moves backwards as the row moves on): one accumulator takes the rows from the last row
    /// backwards as the frame's start passes them, for aggregates whose value does not depend on
    /// the order rows come in (count, min, max, integer and numeric sum/avg). The values come out
    /// last row first and are appended in row order.
    /// </summary>
    private static void ReverseRunning(WindowPartition partition, WindowAggregateInput input, Func<Accumulator> factory, Column result, Types.PgType resultType, ColumnOps resultOps)
    {
        var acc = factory();
        acc.EnsureGroups(1);
        var zeros = new int[Chunk];
        var backwards = PgArrowMapping.CreateColumn(resultType, Math.Max(16, partition.Rows));
        long added = partition.Rows; // rows [added, last] are in the accumulator
        for (int i = partition.Rows - 1; i >= 0; i--)
        {
            var (start, _) = partition.FrameOf(i);
            long from = Math.Min(start, partition.Rows); // a start past the last row: an empty frame
            while (added > from)
            {
                int count = (int)Math.Min(Chunk, added - from);
                long first = added - count;
                input.Gather(first, count);
                acc.Update(input.Arg, input.Filter, count, zeros);
                added = first;
            }
            acc.Write(0, backwards);
        }
        var order = new int[partition.Rows];
        for (int k = 0; k < order.Length; k++) order[k] = order.Length - 1 - k;
        ColumnGather.Append(backwards, order, 0, order.Length, result, resultOps);
    }

    /// <summary>
    /// Frames that start at the partition's first row only grow: one accumulator takes the rows as
    /// the frame's end passes them, and its value is written for each row (Write leaves the state as is).
    /// Rows whose frame is the previous row's (peers, or a whole partition) copy its value, as
    /// PostgreSQL reuses an unchanged frame's result: a final step such as avg(numeric)'s division
    /// then runs once per frame, not once per row.
    /// </summary>
    private static void Running(WindowPartition partition, WindowAggregateInput input, Func<Accumulator> factory, Column result, Types.PgType resultType, ColumnOps resultOps)
    {
        var acc = factory();
        acc.EnsureGroups(1);
        var zeros = new int[Chunk];
        long added = 0;
        Column? last = null; // holds the value of the frame ending at added - 1 when lastValid
        bool lastValid = false;
        for (int i = 0; i < partition.Rows; i++)
        {
            var (_, end) = partition.FrameOf(i);
            if (i > 0 && added > end)
            {
                // the previous row's frame: the end never moves back, and added is one past it
                if (!lastValid)
                {
                    last ??= PgArrowMapping.CreateColumn(resultType, 1);
                    last.Reset();
                    acc.Write(0, last);
                    lastValid = true;
                }
                ColumnGather.Append(last!, null, 0, 1, result, resultOps);
                continue;
            }
            while (added <= end)
            {
                int count = (int)Math.Min(Chunk, end + 1 - added);
                input.Gather(added, count);
                acc.Update(input.Arg, input.Filter, count, zeros);
                added += count;
            }
            lastValid = false;
            acc.Write(0, result);
        }
    }

    /// <summary>
    /// Frames whose start moves: each row's frame is aggregated afresh, up to <see cref="Chunk"/> rows'
    /// frames at a time as groups of one accumulator, every frame's rows fed in partition order.
    /// </summary>
    private static void PerRow(WindowPartition partition, WindowAggregateInput input, Func<Accumulator> factory, Column result)
    {
        var selection = new int[Chunk];
        var groups = new int[Chunk];
        for (int first = 0; first < partition.Rows; first += Chunk)
        {
            int rows = Math.Min(Chunk, partition.Rows - first);
            var acc = factory();
            acc.EnsureGroups(rows);
            int pending = 0;
            for (int g = 0; g < rows; g++)
            {
                var (start, end) = partition.FrameOf(first + g);
                for (long j = start; j <= end; j++)
                {
                    selection[pending] = (int)j;
                    groups[pending] = g;
                    if (++pending == Chunk)
                    {
                        Feed(acc, input, selection, groups, pending);
                        pending = 0;
                    }
                }
            }
            if (pending > 0) Feed(acc, input, selection, groups, pending);
            for (int g = 0; g < rows; g++) acc.Write(g, result);
        }
    }

    private static void Feed(Accumulator acc, WindowAggregateInput input, int[] selection, int[] groups, int count)
    {
        input.Gather(selection, count);
        acc.Update(input.Arg, input.Filter, count, groups);
    }
}
