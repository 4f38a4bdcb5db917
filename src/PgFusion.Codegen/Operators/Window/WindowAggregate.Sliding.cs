using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Aggregates;

namespace PgFusion.Codegen.Operators.Window;

// Frames whose both ends move forward, in linear time for aggregates with an exact combine step.
internal abstract partial class WindowAggregate
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
    /// The front and the back carry over from one chunk of values to the next.
    /// </para>
    /// </summary>
    private sealed class Sliding(WindowPartition partition, WindowAggregateInput input, Func<Accumulator> factory)
        : WindowAggregate(partition, input, factory)
    {
        private readonly int[] _zeros = new int[Chunk];
        private readonly int[] _groups = new int[Chunk];
        private Accumulator? _front;
        private long _frontBase, _mid; // front group k - _frontBase: rows [k, _mid)
        private Accumulator? _back;
        private long _backEnd; // back: rows [_mid, _backEnd)

        public override void Compute(int first, int rows, Column result)
        {
            _back ??= NewAccumulator(1);
            for (int at = first; at < first + rows; at += Chunk)
            {
                int count = Math.Min(Chunk, first + rows - at);
                var values = NewAccumulator(count); // group g: row at + g's frame
                for (int g = 0; g < count; g++)
                {
                    var (start, end) = Partition.FrameOf(at + g);
                    if (start > end) continue; // an empty frame: the aggregate of no rows
                    if (_front is null || start >= _mid)
                    {
                        _front = Suffixes(start, end);
                        _frontBase = start;
                        _mid = _backEnd = end + 1;
                        _back = NewAccumulator(1);
                    }
                    while (_backEnd <= end)
                    {
                        int n = (int)Math.Min(Chunk, end + 1 - _backEnd);
                        Input.Gather(_backEnd, n);
                        _back.Update(Input.Arg, Input.Filter, n, _zeros);
                        _backEnd += n;
                    }
                    values.Merge(g, _front, (int)(start - _frontBase));
                    values.Merge(g, _back, 0);
                }
                for (int g = 0; g < count; g++) values.Write(g, result);
            }
        }

        /// <summary>
        /// An accumulator whose group k - <paramref name="from"/> holds rows [k, <paramref name="to"/>]
        /// for every k in [from, to]: each row goes into a leaf group of its own (one Update per chunk),
        /// then a running accumulator takes the leaves from the last back and each suffix is merged
        /// out of it (Merge never reads and writes one accumulator at once).
        /// </summary>
        private Accumulator Suffixes(long from, long to)
        {
            int rows = (int)(to - from + 1);
            var leaves = NewAccumulator(rows);
            for (int done = 0; done < rows; done += Chunk)
            {
                int count = Math.Min(Chunk, rows - done);
                for (int j = 0; j < count; j++) _groups[j] = done + j;
                Input.Gather(from + done, count);
                leaves.Update(Input.Arg, Input.Filter, count, _groups);
            }
            var running = NewAccumulator(1);
            var suffixes = NewAccumulator(rows);
            for (int k = rows - 1; k >= 0; k--)
            {
                running.Merge(0, leaves, k);
                suffixes.Merge(k, running, 0);
            }
            return suffixes;
        }
    }
}
