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
    /// first row. So a first pass, from the last row back to the second chunk, keeps only a
    /// checkpoint per chunk: the accumulator's state (merged into that chunk's group of one
    /// accumulator: these aggregates merge exactly) and how far back it had taken rows, as they stood
    /// before the chunk's last row. Each chunk then starts from its checkpoint and runs backwards
    /// over its own rows. Rows are fed at most twice, and what is held is one state per chunk
    /// (partition rows / 1024) and one chunk of values.
    /// </para>
    /// </summary>
    private sealed class ReverseRunning(WindowPartition partition, WindowAggregateInput input, Func<Accumulator> factory, Types.PgType resultType, ColumnOps resultOps)
        : WindowAggregate(partition, input, factory)
    {
        private readonly int[] _zeros = new int[Chunk];
        private readonly Column _backwards = PgArrowMapping.CreateColumn(resultType, WindowPartition.ResultChunk);
        private readonly int[] _order = new int[WindowPartition.ResultChunk];
        private Accumulator? _checkpoints; // group k: the rows [_checkpointAdded[k], last] of chunk k's start
        private long[] _checkpointAdded = [];

        public override void Compute(int first, int rows, Column result)
        {
            if (_checkpoints is null) Checkpoint();
            int k = first / WindowPartition.ResultChunk;
            var acc = NewAccumulator(1);
            acc.Merge(0, _checkpoints!, k);
            long added = _checkpointAdded[k];
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
        /// The first pass: chunk k's checkpoint holds the rows [start of row (k + 1) * chunk's frame, last]
        /// (the frames' starts never move backwards, so that first row of the next chunk has the
        /// smallest start of the rows after chunk k). The starts come from a second frame cursor
        /// run over the partition first, one per chunk.
        /// </summary>
        private void Checkpoint()
        {
            int rows = Partition.Rows, size = WindowPartition.ResultChunk;
            int chunks = (rows + size - 1) / size;
            var starts = new long[chunks]; // the frame start of each chunk's first row
            var frames = Partition.NewFrames();
            for (int k = 0; k < chunks; k++)
            {
                frames.Compute(k * size, 1);
                starts[k] = frames.FrameOf(k * size).Start;
            }
            _checkpoints = NewAccumulator(chunks);
            _checkpointAdded = new long[chunks];
            var acc = NewAccumulator(1);
            long added = rows; // rows [added, last] are in acc
            for (int k = chunks - 1; k >= 0; k--)
            {
                _checkpoints.Merge(k, acc, 0);
                _checkpointAdded[k] = added;
                if (k == 0) break;
                added = TakeBack(acc, added, starts[k]);
            }
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
