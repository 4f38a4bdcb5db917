using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators.Window;

// Frames that end at the partition's last row, computed backwards a chunk at a time.
internal abstract partial class WindowAggregate
{
    /// <summary>
    /// Frames that end at the partition's last row only grow from the end back (their start never
    /// moves backwards as the row moves on): one accumulator takes the rows from the last row
    /// backwards as the frame's start passes them, for aggregates whose value does not depend on
    /// the order rows come in (count, min, max, integer and numeric sum/avg).
    /// <para>
    /// The values come out last row first, but the partition wants them a chunk at a time from the
    /// first row. So a first pass, from the last row back to the second chunk, keeps checkpoints:
    /// the accumulator's state (merged into a group of one accumulator: these aggregates merge
    /// exactly) and how far back it had taken rows, as they stood before a chunk's last row. Each
    /// chunk then starts from the checkpoint at or after it and runs backwards over the rows from
    /// there (its own and those up to the checkpoint).
    /// </para>
    /// <para>
    /// A checkpoint is kept every <c>stride</c> chunks (1 at first): once the checkpoints' states
    /// pass the aggregate's share of the memory budget (<see cref="WindowPartition.StateBudgetBytes"/>:
    /// many chunks of long min / max text, or of numeric sums), every other one is dropped and the
    /// stride doubles, so they stay within it whatever the partition's size (at the cost of feeding
    /// each chunk up to stride - 1 more chunks of rows; PostgreSQL restarts min / max per row over
    /// such frames). What is held is then the checkpoints, one chunk of values, and one frame start
    /// per chunk (8 bytes).
    /// </para>
    /// </summary>
    private sealed class ReverseRunning(WindowPartition partition, WindowAggregateInput input, Func<Accumulator> factory, Types.PgType resultType, ColumnOps resultOps)
        : WindowAggregate(partition, input, factory)
    {
        private readonly int[] _zeros = new int[Chunk];
        private readonly Column _backwards = PgArrowMapping.CreateColumn(resultType, WindowPartition.ResultChunk);
        private readonly int[] _order = new int[WindowPartition.ResultChunk];
        private Accumulator? _checkpoints; // group j: the rows [_checkpointAdded[j], last] of chunk (j + 1) * _stride - 1's start
        private long[] _checkpointAdded = [];
        private int _slots; // groups of _checkpoints
        private int _stride = 1;
        private long _startsBytes;

        protected override long StateBytes() => BytesOf(_checkpoints, _slots) + 8L * _slots + _startsBytes;

        protected override long ValuesBytes() => Spill.ColumnMemory.Bytes(_backwards);

        public override void Compute(int first, int rows, Column result)
        {
            if (_checkpoints is null) Checkpoint();
            int k = first / WindowPartition.ResultChunk;
            var acc = NewAccumulator(1);
            long added = Partition.Rows; // no checkpoint at or after chunk k: from the last row
            int slot = k / _stride;
            if (slot < _slots)
            {
                acc.Merge(0, _checkpoints!, slot);
                added = _checkpointAdded[slot];
            }
            _backwards.Reset();
            for (int i = first + rows - 1; i >= first; i--)
            {
                added = TakeBack(acc, added, Partition.FrameOf(i).Start);
                acc.Write(0, _backwards);
            }
            for (int j = 0; j < rows; j++) _order[j] = rows - 1 - j;
            ColumnGather.Append(_backwards, _order, 0, rows, result, resultOps);
        }

        /// <summary>
        /// The first pass: chunk k's state holds the rows [start of row (k + 1) * chunk's frame, last]
        /// (the frames' starts never move backwards, so that first row of the next chunk has the
        /// smallest start of the rows after chunk k), kept as a checkpoint for every chunk k that ends
        /// a stride. The starts come from a second frame cursor run over the partition first, one
        /// per chunk.
        /// </summary>
        private void Checkpoint()
        {
            int rows = Partition.Rows, size = WindowPartition.ResultChunk;
            int chunks = (rows + size - 1) / size;
            var starts = new long[chunks]; // the frame start of each chunk's first row
            _startsBytes = 8L * chunks;
            var frames = Partition.NewFrames();
            for (int k = 0; k < chunks; k++)
            {
                frames.Compute(k * size, 1);
                starts[k] = frames.FrameOf(k * size).Start;
            }
            long share = Partition.StateBudgetBytes;
            _slots = chunks;
            _checkpoints = NewAccumulator(chunks);
            _checkpointAdded = new long[chunks];
            var acc = NewAccumulator(1);
            long added = rows; // rows [added, last] are in acc
            for (int k = chunks - 1; k >= 0; k--)
            {
                if ((k + 1) % _stride == 0)
                {
                    int slot = k / _stride;
                    _checkpoints.Merge(slot, acc, 0);
                    _checkpointAdded[slot] = added;
                    while (_stride < chunks && BytesOf(_checkpoints, _slots) + 8L * _slots > share) Thin(chunks);
                }
                if (k == 0) break;
                added = TakeBack(acc, added, starts[k]);
            }
            _startsBytes = 0; // the starts go with the pass
        }

        /// <summary>
        /// Doubles the stride: keeps the checkpoints of the chunks that end the new stride (the odd
        /// slots), merged into a fresh accumulator, so the others' states (and a min / max store's
        /// replaced values) go.
        /// </summary>
        private void Thin(int chunks)
        {
            _stride *= 2;
            int slots = chunks / _stride;
            var kept = NewAccumulator(Math.Max(1, slots));
            var added = new long[slots];
            for (int j = 0; j < slots; j++)
            {
                kept.Merge(j, _checkpoints!, 2 * j + 1);
                added[j] = _checkpointAdded[2 * j + 1];
            }
            (_checkpoints, _checkpointAdded, _slots) = (kept, added, slots);
            Partition.CountStateThinning();
        }

        /// <summary>Feeds rows [start, added) into <paramref name="acc"/> (a start past the last row: an empty frame); returns the new <c>added</c>.</summary>
        private long TakeBack(Accumulator acc, long added, long start)
        {
            long from = Math.Min(start, Partition.Rows);
            while (added > from)
            {
                int count = (int)Math.Min(Chunk, added - from);
                long firstRow = added - count;
                Input.Gather(firstRow, count);
                acc.Update(Input.Arg, Input.Filter, count, _zeros);
                added = firstRow;
            }
            return added;
        }
    }
}
