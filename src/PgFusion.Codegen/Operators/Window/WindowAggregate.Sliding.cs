using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Aggregates;

namespace PgFusion.Codegen.Operators.Window;

// Frames whose both ends move forward, in linear time for aggregates with an exact combine step.
internal static partial class WindowAggregate
{
    /// <summary>
    /// Frames whose start and end both only move forward (every ROWS / RANGE / GROUPS frame without
    /// EXCLUDE), for aggregates whose accumulator merges exactly (Accumulator.CanMerge: count, sum
    /// and avg of integers and numeric, min, max, bool_and/bool_or). PostgreSQL gets the same values
    /// from its inverse transition functions, or by restarting (min/max, or a numeric sum whose
    /// largest-scale value left): each frame's value is that of its rows, fed fresh.
    /// <para>
    /// The "two stacks" sliding aggregation: the frame [s, e] is split at <c>mid</c> into a front
    /// [s, mid), whose suffix aggregates (rows k..mid-1 for every k) were built once, and a back
    /// [mid, e], one accumulator the frame's end feeds. A row's value merges the front's suffix at s
    /// and the back. When s reaches mid the front is used up: the rows [s, e] become the new front
    /// (their suffixes built from the end back) and the back starts empty. Each row enters a front
    /// once and the back once, so the partition costs O(rows) updates and merges whatever the width.
    /// </para>
    /// </summary>
    private static void Sliding(WindowPartition partition, WindowAggregateInput input, Func<Accumulator> factory, Column result)
    {
        var zeros = new int[Chunk];
        var groups = new int[Chunk];
        Accumulator? front = null;
        long frontBase = 0, mid = 0; // front group k - frontBase: rows [k, mid)
        Accumulator back = NewAccumulator(factory, 1);
        long backEnd = 0; // back: rows [mid, backEnd)
        for (int first = 0; first < partition.Rows; first += Chunk)
        {
            int rows = Math.Min(Chunk, partition.Rows - first);
            var values = NewAccumulator(factory, rows); // group g: row first + g's frame
            for (int g = 0; g < rows; g++)
            {
                var (start, end) = partition.FrameOf(first + g);
                if (start > end) continue; // an empty frame: the aggregate of no rows
                if (front is null || start >= mid)
                {
                    front = Suffixes(input, factory, start, end, groups);
                    frontBase = start;
                    mid = backEnd = end + 1;
                    back = NewAccumulator(factory, 1);
                }
                for (; backEnd <= end; )
                {
                    int count = (int)Math.Min(Chunk, end + 1 - backEnd);
                    input.Gather(backEnd, count);
                    back.Update(input.Arg, input.Filter, count, zeros);
                    backEnd += count;
                }
                values.Merge(g, front, (int)(start - frontBase));
                values.Merge(g, back, 0);
            }
            for (int g = 0; g < rows; g++) values.Write(g, result);
        }
    }

    /// <summary>
    /// An accumulator whose group k - <paramref name="from"/> holds rows [k, <paramref name="to"/>]
    /// for every k in [from, to]: each row goes into a leaf group of its own (one Update per chunk),
    /// then a running accumulator takes the leaves from the last back and each suffix is merged
    /// out of it (Merge never reads and writes one accumulator at once).
    /// </summary>
    private static Accumulator Suffixes(WindowAggregateInput input, Func<Accumulator> factory, long from, long to, int[] groups)
    {
        int rows = (int)(to - from + 1);
        var leaves = NewAccumulator(factory, rows);
        for (int done = 0; done < rows; done += Chunk)
        {
            int count = Math.Min(Chunk, rows - done);
            for (int j = 0; j < count; j++) groups[j] = done + j;
            input.Gather(from + done, count);
            leaves.Update(input.Arg, input.Filter, count, groups);
        }
        var running = NewAccumulator(factory, 1);
        var suffixes = NewAccumulator(factory, rows);
        for (int k = rows - 1; k >= 0; k--)
        {
            running.Merge(0, leaves, k);
            suffixes.Merge(k, running, 0);
        }
        return suffixes;
    }

    private static Accumulator NewAccumulator(Func<Accumulator> factory, int groups)
    {
        var acc = factory();
        acc.EnsureGroups(groups);
        return acc;
    }
}
