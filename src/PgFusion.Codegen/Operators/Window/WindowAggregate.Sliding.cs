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
    /// <para>
    /// A front wider than <see cref="Chunk"/> rows is held in two levels so that it does not take one
    /// state per row of a wide frame (a frame as wide as a spilled partition): one suffix per block
    /// of <see cref="Chunk"/> rows (block j onwards to mid, built once per front), and the suffixes
    /// of every row within the block the start is in (built as the start enters the block). A row's
    /// value merges the start's suffix within its block, the next block's suffix and the back:
    /// about width / 1024 + 2 * 1024 states, each row of a wide front fed twice.
    /// </para>
    /// </summary>
    private sealed class Sliding(WindowPartition partition, WindowAggregateInput input, Func<Accumulator> factory)
        : WindowAggregate(partition, input, factory)
    {
        private readonly int[] _zeros = new int[Chunk];
        private readonly int[] _groups = new int[Chunk];
        private Accumulator? _blockSuffixes; // group j: rows [_frontBase + j * _stride * Chunk, _mid); null for a front of one block
        private int _frontBlocks;
        private int _slots; // groups of _blockSuffixes
        private int _stride = 1; // blocks per kept block suffix
        private Accumulator? _next; // rows [block _nextBlock's first row, _mid), when that block's suffix is not kept
        private int _nextBlock = -1;
        private Accumulator? _inner; // group k: rows [first row of block _innerBlock + k, the block's end)
        private int _innerBlock = -1;
        private long _frontBase, _mid = -1; // the front: rows [_frontBase, _mid), none before the first frame
        private Accumulator? _back;
        private long _backEnd; // back: rows [_mid, _backEnd)
        private int _innerRows; // groups of _inner
        private Accumulator? _values; // the last chunk's frames, one group each
        private int _valueGroups;

        protected override long StateBytes() => BytesOf(_blockSuffixes, _slots) + BytesOf(_back, 1) + BytesOf(_next, 1);

        // the suffixes within the start's block: a chunk's worth of states whatever the frame's width, as the values
        protected override long ValuesBytes() => BytesOf(_values, _valueGroups) + BytesOf(_inner, _innerRows);

        public override void Compute(int first, int rows, Column result)
        {
            _back ??= NewAccumulator(1);
            for (int at = first; at < first + rows; at += Chunk)
            {
                int count = Math.Min(Chunk, first + rows - at);
                var values = NewAccumulator(count); // group g: row at + g's frame
                (_values, _valueGroups) = (values, count);
                for (int g = 0; g < count; g++)
                {
                    var (start, end) = Partition.FrameOf(at + g);
                    if (start > end) continue; // an empty frame: the aggregate of no rows
                    if (start >= _mid)
                    {
                        NewFront(start, end);
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
                    MergeFront(values, g, start);
                    values.Merge(g, _back, 0);
                }
                for (int g = 0; g < count; g++) values.Write(g, result);
            }
        }

        /// <summary>
        /// Makes rows [from, to] the front: when it has several blocks, the suffix of every
        /// <c>_stride</c>-th block onwards, built from the last block back (these aggregates merge
        /// exactly, so the order blocks come in does not matter). Once the suffixes pass the
        /// aggregate's share of the budget (<see cref="WindowPartition.StateBudgetBytes"/>: a front as
        /// wide as a spilled partition, of text extremes or numeric sums) every other one goes and
        /// the stride doubles; a block's suffix that is not kept is rebuilt from its rows up to the
        /// next kept one when the frame's start enters the block before it (<see cref="NextSuffix"/>).
        /// </summary>
        private void NewFront(long from, long to)
        {
            _frontBase = from;
            _frontBlocks = (int)((to - from) / Chunk) + 1;
            _innerBlock = _nextBlock = -1;
            _blockSuffixes = _next = null;
            _slots = 0;
            if (_frontBlocks == 1) return;
            long share = Partition.StateBudgetBytes;
            _stride = 1;
            _slots = _frontBlocks;
            _blockSuffixes = NewAccumulator(_slots);
            var running = NewAccumulator(1);
            for (int j = _frontBlocks - 1; j >= 0; j--)
            {
                long blockFirst = from + (long)j * Chunk;
                int n = (int)Math.Min(Chunk, to + 1 - blockFirst);
                Input.Gather(blockFirst, n);
                running.Update(Input.Arg, Input.Filter, n, _zeros);
                if (j % _stride != 0) continue;
                _blockSuffixes.Merge(j / _stride, running, 0);
                while (_stride < _frontBlocks && BytesOf(_blockSuffixes, _slots) > share) ThinSuffixes();
            }
        }

        /// <summary>Doubles the stride: keeps the suffixes of the blocks that start the new stride (the even slots).</summary>
        private void ThinSuffixes()
        {
            _stride *= 2;
            int slots = (_frontBlocks + _stride - 1) / _stride;
            var kept = NewAccumulator(slots);
            for (int j = 0; j < slots; j++) kept.Merge(j, _blockSuffixes!, 2 * j);
            (_blockSuffixes, _slots) = (kept, slots);
            Partition.CountStateThinning();
        }

        /// <summary>
        /// Block <paramref name="b"/>'s suffix (rows [its first row, _mid)): kept, or rebuilt from its
        /// rows up to the next kept block and that block's suffix (once per block the start enters).
        /// </summary>
        private (Accumulator Acc, int Group) NextSuffix(int b)
        {
            if (b % _stride == 0) return (_blockSuffixes!, b / _stride);
            if (b != _nextBlock)
            {
                int kept = (b / _stride + 1) * _stride; // the next kept block, or past the front
                long first = _frontBase + (long)b * Chunk;
                long end = Math.Min(_frontBase + (long)kept * Chunk, _mid);
                _next = NewAccumulator(1);
                for (long r = first; r < end; r += Chunk)
                {
                    int n = (int)Math.Min(Chunk, end - r);
                    Input.Gather(r, n);
                    _next.Update(Input.Arg, Input.Filter, n, _zeros);
                }
                if (kept < _frontBlocks) _next.Merge(0, _blockSuffixes!, kept / _stride);
                _nextBlock = b;
            }
            return (_next!, 0);
        }

        /// <summary>Merges the front's rows [start, _mid) into group <paramref name="g"/> of <paramref name="values"/>.</summary>
        private void MergeFront(Accumulator values, int g, long start)
        {
            int j = (int)((start - _frontBase) / Chunk);
            long blockFirst = _frontBase + (long)j * Chunk;
            if (j != _innerBlock)
            {
                long last = Math.Min(blockFirst + Chunk, _mid) - 1;
                _inner = Suffixes(blockFirst, last);
                _innerRows = (int)(last - blockFirst + 1);
                _innerBlock = j;
            }
            values.Merge(g, _inner!, (int)(start - blockFirst));
            if (j + 1 < _frontBlocks)
            {
                var (acc, group) = NextSuffix(j + 1);
                values.Merge(g, acc, group);
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
