using PgFusion.Arrow;
using PgFusion.Planner.Logical;

namespace PgFusion.Codegen.Operators.Window;

/// <summary>
/// The peer groups and frames of a chunk of a partition's rows (nodeWindowAgg.c's
/// update_frameheadpos / update_frametailpos), chunk after chunk in row order, clamped to the
/// partition. Both frame bounds never move backwards from one row to the next, in every mode
/// (WindowAggregate's strategies rely on it), and neither do the peer groups they land in, so
/// each bound is a cursor that only moves forward: what is held is one chunk of positions, not
/// 32 bytes per row of the partition, and rows are read through the partition (in memory or from
/// its spilled blocks) as the cursors pass them.
/// </summary>
internal sealed class WindowFrames
{
    public const int Chunk = WindowPartition.ResultChunk;

    private readonly WindowPartition _partition;
    private readonly WindowFrame _frame;
    private readonly int _rows;
    private readonly PeerCursor _current, _startGroups, _endGroups;
    private readonly RangeCursor? _range;
    private long _rangeStart, _rangeEnd; // RANGE offset cursors: the start's row, the end's row + 1
    private int _first = -1, _count;
    private readonly int[] _peerStart = new int[Chunk]; // first row of each row's peer group
    private readonly int[] _peerEnd = new int[Chunk]; // one past its last row
    private readonly int[] _peerGroup = new int[Chunk]; // 0-based index of each row's peer group
    private readonly long[] _frameStart = new long[Chunk]; // each row's frame, inclusive; empty when start > end
    private readonly long[] _frameEnd = new long[Chunk];

    public WindowFrames(WindowPartition partition, WindowFrame frame, int rows, int? rangeKey)
    {
        _partition = partition;
        _frame = frame;
        _rows = rows;
        _current = new PeerCursor(partition, rows);
        _startGroups = new PeerCursor(partition, rows);
        _endGroups = new PeerCursor(partition, rows);
        if (frame.HasRangeOffset) _range = new RangeCursor(partition, rangeKey!.Value, frame.Descending);
    }

    /// <summary>Finds the peers and frames of rows [first, first + count) (at most <see cref="Chunk"/>); chunks come in row order.</summary>
    public void Compute(int first, int count)
    {
        if (count > Chunk || first < _first + _count) throw new InvalidOperationException($"window frames asked for rows [{first}, {first + count}) after [{_first}, {_first + _count})");
        _first = first;
        _count = count;
        for (int j = 0; j < count; j++)
        {
            int i = first + j;
            _current.MoveToRow(i);
            _peerStart[j] = _current.Start;
            _peerEnd[j] = _current.End;
            _peerGroup[j] = _current.Group;
            long start = Bound(_frame.Start, _frame.StartOffset, i, isStart: true);
            long end = Bound(_frame.End, _frame.EndOffset, i, isStart: false);
            _frameStart[j] = Math.Max(start, 0);
            _frameEnd[j] = Math.Min(end, _rows - 1);
        }
    }

    public int PeerStart(int i) => _peerStart[Index(i)];

    public int PeerEnd(int i) => _peerEnd[Index(i)];

    public int PeerGroup(int i) => _peerGroup[Index(i)];

    public (long Start, long End) FrameOf(int i)
    {
        int j = Index(i);
        return (_frameStart[j], _frameEnd[j]);
    }

    private int Index(int i)
    {
        int j = i - _first;
        if ((uint)j >= (uint)_count) throw new InvalidOperationException($"window frame of row {i} asked while rows [{_first}, {_first + _count}) are held");
        return j;
    }

    /// <summary>
    /// Where row <paramref name="i"/>'s frame starts (<paramref name="isStart"/>) or ends, before
    /// clamping: ROWS offsets count rows; GROUPS offsets count peer groups (the first row of the
    /// group n before / after for a start, the last row of that group for an end, past the
    /// partition when there is none); RANGE offsets compare the key's values (<see cref="RangeCursor"/>).
    /// CURRENT ROW is the row itself in ROWS mode, its first or last peer otherwise.
    /// </summary>
    private long Bound(WindowFrameBound bound, long offset, int i, bool isStart)
    {
        var mode = _frame.Mode;
        switch (bound)
        {
            case WindowFrameBound.UnboundedPreceding:
                return isStart ? 0 : -1;
            case WindowFrameBound.UnboundedFollowing:
                return isStart ? _rows : _rows - 1;
            case WindowFrameBound.CurrentRow:
                if (mode == WindowFrameMode.Rows) return i;
                return isStart ? _current.Start : _current.End - 1;
        }
        bool preceding = bound == WindowFrameBound.OffsetPreceding;
        if (mode == WindowFrameMode.Rows)
        {
            if (preceding) return i - Math.Min(offset, (long)i + 1);
            return offset > _rows ? _rows : i + offset;
        }
        if (mode == WindowFrameMode.Groups)
        {
            int g = _current.Group;
            // offsets past the row count are past every group (there are at most that many)
            long group = preceding ? g - Math.Min(offset, (long)g + 1) : offset >= _rows ? _rows : g + offset;
            if (group < 0) return isStart ? 0 : -1;
            var cursor = isStart ? _startGroups : _endGroups;
            if (!cursor.MoveToGroup(group)) return isStart ? _rows : _rows - 1;
            return isStart ? cursor.Start : cursor.End - 1;
        }
        var range = _range!;
        if (range.IsNull(i)) return isStart ? _current.Start : _current.End - 1;
        Int128 target = preceding ? range.Key(i) - offset : range.Key(i) + offset;
        // start: the first row whose key is >= target; end: the row before the first whose key is > target
        if (isStart)
        {
            while (_rangeStart < _rows && range.Key(_rangeStart) < target) _rangeStart++;
            return _rangeStart;
        }
        while (_rangeEnd < _rows && range.Key(_rangeEnd) <= target) _rangeEnd++;
        return _rangeEnd - 1;
    }

    /// <summary>
    /// The peer group (a run of rows whose ORDER BY keys are all equal, NULLs equal; the whole
    /// partition without ORDER BY) that a forward-moving position is in: its first row, one past its
    /// last, its index. Finding a group's end reads its rows once.
    /// </summary>
    private sealed class PeerCursor(WindowPartition partition, int rows)
    {
        public int Start { get; private set; }

        public int End { get; private set; }

        public int Group { get; private set; } = -1;

        /// <summary>Moves to the group of row <paramref name="i"/> (not before the current one).</summary>
        public void MoveToRow(int i)
        {
            while (End <= i) Next();
        }

        /// <summary>Moves to group <paramref name="group"/> (not before the current one); false when the partition has fewer groups.</summary>
        public bool MoveToGroup(long group)
        {
            while (Group < group)
            {
                if (End >= rows) return false;
                Next();
            }
            return true;
        }

        private void Next()
        {
            Start = End;
            Group++;
            End = partition.PeerGroupEnd(Start);
        }
    }

    /// <summary>
    /// RANGE offsets over one int2/int4/int8 ORDER BY key, as in_range_intN_intM: the keys are read
    /// as Int128, negated for a descending key, so the partition is ascending in them and PRECEDING
    /// always means smaller; key ± offset is exact there, which is what in_range's overflow cases
    /// answer (a sum past the type's range is past every value). NULL keys sort before every value
    /// (NULLS FIRST) or after (NULLS LAST), as PostgreSQL compares them while it moves the frame's
    /// ends: a row with a NULL key has its NULL peers as frame, and a row with a value never takes in
    /// NULL rows through an offset bound (an UNBOUNDED bound still does, and an end that falls before
    /// every value lands on the last NULL row of NULLS FIRST, a start past every value on the first
    /// NULL row of NULLS LAST). The NULLs are contiguous at one end: the first when row 0 is NULL.
    /// </summary>
    private sealed class RangeCursor(WindowPartition partition, int key, bool descending)
    {
        private readonly Int128 _nullKey = partition.IsNull(key, 0) ? Int128.MinValue : Int128.MaxValue;

        public bool IsNull(long row) => partition.IsNull(key, row);

        public Int128 Key(long row)
        {
            var column = partition.At(key, row, out int r);
            if (column.IsNull(r)) return _nullKey;
            Int128 v = column switch
            {
                PrimitiveColumn<short> c => c.Values[r],
                PrimitiveColumn<int> c => c.Values[r],
                PrimitiveColumn<long> c => c.Values[r],
                _ => throw new InvalidOperationException($"RANGE frame offset over a {column.GetType().Name} ORDER BY key (the binder takes only int2, int4 and int8)"),
            };
            return descending ? -v : v;
        }
    }
}
