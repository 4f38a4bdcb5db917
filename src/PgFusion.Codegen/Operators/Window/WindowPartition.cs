using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Spill;
using PgFusion.Codegen.Values;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.Window;

/// <summary>
/// One partition of a window: its rows (copies of the input columns, in the sorted order), its
/// peer groups (runs of equal order keys, NULLs equal) and frames, and the window functions' values
/// with PostgreSQL 15's windowfuncs.c / nodeWindowAgg.c semantics. The values are computed as the
/// rows are copied out, <see cref="ResultChunk"/> rows at a time (as nodeWindowAgg evaluates them
/// per row as it returns it), so only one chunk of each function's values is held.
/// <para>
/// Under a memory budget (<see cref="SpillSpace"/>), a partition whose rows pass it moves the
/// columns no window function reads (neither argument nor ORDER BY key: the pass-through columns)
/// to a spill file, a block at a time as rows come, and keeps only the read columns in memory; the
/// functions are computed over those as before, and <see cref="CopyOut"/> reads the pass-through
/// columns back from the file in row order. The read columns and the per-row frame positions of one
/// partition still grow with it (docs/spill.md).
/// </para>
/// </summary>
internal sealed class WindowPartition
{
    /// <summary>Rows between checks of the partition's size against the budget.</summary>
    private const int CheckEvery = 1024;

    /// <summary>Rows whose values are computed at once (a window function's values held at a time).</summary>
    public const int ResultChunk = ExecutionContext.BatchRows;

    private readonly WindowNode _node;
    private readonly SpillSpace _spill;
    private readonly Column[] _rows;
    private readonly Column[] _keyRow; // the partition keys of the partition's first row
    private readonly Column[] _passThrough; // the _rows columns no function reads, in input order
    private readonly int[] _passThroughIndex; // their input column indexes
    private readonly Column[] _readBack; // a block of pass-through columns read from the file
    private SpillFile? _file; // the pass-through columns of rows [0, _flushed); null while the partition fits
    private int _flushed;
    private int _readRows; // rows in _readBack
    private int _readPos; // next row of _readBack to copy out
    private readonly Column[] _results; // per function: the values of rows [_resultsFirst, _resultsFirst + _resultsRows)
    private int _resultsFirst;
    private int _resultsRows;
    private readonly WindowAggregate?[] _aggregates; // per aggregate function: its state from chunk to chunk
    private readonly NtileState?[] _ntiles; // per ntile: its bucket from chunk to chunk
    private int[] _peerStart = new int[16]; // first row of each row's peer group
    private int[] _peerEnd = new int[16]; // one past the last row of each row's peer group
    private int[] _peerGroup = new int[16]; // 0-based index of each row's peer group
    private int[] _groupStart = new int[16]; // first row of each peer group, by group index
    private int _groups; // peer groups in the partition
    private long[] _frameStart = new long[16]; // each row's frame, inclusive; empty when start > end
    private long[] _frameEnd = new long[16];

    public WindowPartition(WindowNode node, SpillSpace spill)
    {
        _node = node;
        _spill = spill;
        var input = node.Input.Output;
        _rows = [.. input.Select(o => PgArrowMapping.CreateColumn(o.Type, 16))];
        _results = [.. node.Plan.Functions.Select(f => PgArrowMapping.CreateColumn(f.Output.Type, ResultChunk))];
        _aggregates = new WindowAggregate?[_results.Length];
        _ntiles = new NtileState?[_results.Length];
        _keyRow = [.. node.Plan.PartitionKeys.Select(k => PgArrowMapping.CreateColumn(input[k].Type, 1))];
        var read = new HashSet<int>(node.Plan.OrderKeys.Concat(node.Plan.Functions.SelectMany(f => f.Args)));
        _passThroughIndex = [.. Enumerable.Range(0, input.Count).Where(c => !read.Contains(c))];
        _passThrough = [.. _passThroughIndex.Select(c => _rows[c])];
        _readBack = [.. _passThroughIndex.Select(c => PgArrowMapping.CreateColumn(input[c].Type, ExecutionContext.BatchRows))];
    }

    public int Rows { get; private set; }

    public void Append(RecordBatch batch, int row)
    {
        if (Rows == 0)
        {
            var keys = _node.Plan.PartitionKeys;
            for (int j = 0; j < keys.Count; j++) _node.InputOps[keys[j]].Append(batch.Columns[keys[j]], row, _keyRow[j]);
        }
        for (int c = 0; c < _rows.Length; c++) _node.InputOps[c].Append(batch.Columns[c], row, _rows[c]);
        Rows++;
        if (_file is not null)
        {
            if (Rows - _flushed >= ExecutionContext.BatchRows) FlushPassThrough();
        }
        else if (Rows % CheckEvery == 0 && _spill.Limited && _passThrough.Length > 0
            && ColumnMemory.Bytes(_rows) > _spill.BudgetBytes)
        {
            _file = _spill.Create(new(SpillOperator.Window, _node));
            _spill.CountWindowPartitionSpill();
            FlushPassThrough();
        }
    }

    /// <summary>Writes the pass-through values of rows [_flushed, Rows) to the file and drops them from memory.</summary>
    private void FlushPassThrough()
    {
        _file!.Write(_passThrough, Rows - _flushed);
        foreach (var c in _passThrough) c.Reset();
        _flushed = Rows;
    }

    /// <summary>Whether input row <paramref name="row"/> has the partition keys of the buffered rows (NULL equal to NULL).</summary>
    public bool SamePartition(RecordBatch batch, int row)
    {
        var keys = _node.Plan.PartitionKeys;
        for (int j = 0; j < keys.Count; j++)
            if (!Equal(batch.Columns[keys[j]], row, _keyRow[j], 0, _node.InputOps[keys[j]])) return false;
        return true;
    }

    private static bool Equal(Column a, int ra, Column b, int rb, ColumnOps ops)
    {
        bool na = a.IsNull(ra), nb = b.IsNull(rb);
        return na || nb ? na && nb : ops.Equal(a, ra, b, rb);
    }

    public void Clear()
    {
        foreach (var c in _rows) c.Reset();
        foreach (var c in _results) c.Reset();
        foreach (var c in _keyRow) c.Reset();
        Rows = 0;
        _file?.Dispose();
        _file = null;
        _flushed = _readRows = _readPos = 0;
        _resultsFirst = _resultsRows = 0;
        Array.Clear(_aggregates);
        Array.Clear(_ntiles);
    }

    /// <summary>
    /// Appends rows [from, from + count) with their function values to <paramref name="output"/>
    /// (input columns, then results). Rows are copied out in row order, from 0 on: the values are
    /// computed a chunk at a time as the copy reaches them, and a spilled partition's pass-through
    /// columns come from the file, block after block.
    /// </summary>
    public void CopyOut(int from, int count, Column[] output)
    {
        for (int c = 0; c < _rows.Length; c++)
        {
            if (_file is null || Array.IndexOf(_passThroughIndex, c) < 0)
                ColumnGather.Append(_rows[c], null, from, count, output[c], _node.InputOps[c]);
        }
        if (_file is not null) CopyPassThrough(count, output);
        CopyResults(from, count, output);
    }

    /// <summary>The function values of rows [from, from + count), computing the next chunk when the copy reaches it.</summary>
    private void CopyResults(int from, int count, Column[] output)
    {
        while (count > 0)
        {
            int end = _resultsFirst + _resultsRows;
            if (from == end) end = NextResults();
            else if (from < _resultsFirst || from > end) throw new InvalidOperationException($"window rows copied out of order: row {from}, values held for [{_resultsFirst}, {end})");
            int n = Math.Min(count, end - from);
            for (int f = 0; f < _results.Length; f++)
                ColumnGather.Append(_results[f], null, from - _resultsFirst, n, output[_rows.Length + f], _node.ResultOps[f]);
            from += n;
            count -= n;
        }
    }

    /// <summary>Computes every function's values for the chunk after the one held; returns one past its last row.</summary>
    private int NextResults()
    {
        _resultsFirst += _resultsRows;
        _resultsRows = Math.Min(ResultChunk, Rows - _resultsFirst);
        if (_resultsRows <= 0) throw new InvalidOperationException($"window values asked past the partition's {Rows} rows");
        for (int f = 0; f < _results.Length; f++)
        {
            _results[f].Reset();
            ComputeValues(f, _resultsFirst, _resultsRows, _results[f]);
        }
        return _resultsFirst + _resultsRows;
    }

    /// <summary>The next <paramref name="count"/> rows' pass-through values, from the spill file.</summary>
    private void CopyPassThrough(int count, Column[] output)
    {
        while (count > 0)
        {
            if (_readPos == _readRows)
            {
                do _readRows = _file!.Read(_readBack);
                while (_readRows == 0);
                if (_readRows < 0) throw new InvalidOperationException($"window partition spill file ended before its {Rows} rows were copied out");
                _readPos = 0;
            }
            int n = Math.Min(count, _readRows - _readPos);
            for (int j = 0; j < _passThroughIndex.Length; j++)
            {
                int c = _passThroughIndex[j];
                ColumnGather.Append(_readBack[j], null, _readPos, n, output[c], _node.InputOps[c]);
            }
            _readPos += n;
            count -= n;
        }
    }

    /// <summary>
    /// Ends the partition's input: its peer groups and frames are found; the functions' values come
    /// a chunk at a time as <see cref="CopyOut"/> reaches them.
    /// </summary>
    public void Prepare()
    {
        if (_file is not null && Rows > _flushed) FlushPassThrough(); // every pass-through value is read back from the file

        FindPeers();
        FindFrames();
    }

    /// <summary>Appends function <paramref name="f"/>'s values of rows [first, first + rows) to <paramref name="result"/>; chunks come in row order.</summary>
    private void ComputeValues(int f, int first, int rows, Column result)
    {
        var fn = _node.Plan.Functions[f];
        int end = first + rows;
        switch (fn.Kind)
        {
            case WindowFunctionKind.RowNumber:
                for (int i = first; i < end; i++) ColumnAppend.Value(result, (long)i + 1);
                break;
            case WindowFunctionKind.Rank:
                for (int i = first; i < end; i++) ColumnAppend.Value(result, (long)_peerStart[i] + 1);
                break;
            case WindowFunctionKind.DenseRank:
                for (int i = first; i < end; i++) ColumnAppend.Value(result, (long)_peerGroup[i] + 1);
                break;
            case WindowFunctionKind.PercentRank:
                // (rank - 1) / (rows - 1), 0 for a one-row partition (window_percent_rank).
                for (int i = first; i < end; i++) ColumnAppend.Value(result, Rows > 1 ? (double)_peerStart[i] / (Rows - 1) : 0.0);
                break;
            case WindowFunctionKind.CumeDist:
                // rows up to the current row's last peer / rows (window_cume_dist).
                for (int i = first; i < end; i++) ColumnAppend.Value(result, (double)_peerEnd[i] / Rows);
                break;
            case WindowFunctionKind.Ntile:
                Ntile(_rows[fn.Args[0]], result, _ntiles[f] ??= new NtileState(), first, end);
                break;
            case WindowFunctionKind.Lag:
            case WindowFunctionKind.Lead:
                Shift(fn, result, fn.Kind == WindowFunctionKind.Lag, first, end);
                break;
            case WindowFunctionKind.FirstValue:
            case WindowFunctionKind.LastValue:
            case WindowFunctionKind.NthValue:
                FrameValue(fn, result, first, end);
                break;
            default:
            {
                if (_aggregates[f] is null)
                {
                    // count(*) reads no column (its input may have none at all); a FILTER is the last argument.
                    bool filtered = fn.Aggregate?.Filter is not null;
                    var arg = fn.Args.Count > (filtered ? 1 : 0) ? _rows[fn.Args[0]] : null;
                    var filter = filtered ? _rows[fn.Args[^1]] : null;
                    _aggregates[f] = WindowAggregate.Create(this, arg, filter, _node.Accumulators[f]!, _node.Strategies[f], fn.Output.Type, _node.ResultOps[f]);
                }
                _aggregates[f]!.Compute(first, rows, result);
                break;
            }
        }
    }

    /// <summary>Peer groups: runs of rows whose order keys are all equal (the whole partition without ORDER BY).</summary>
    private void FindPeers()
    {
        if (_peerStart.Length < Rows)
        {
            int size = Math.Max(Rows, _peerStart.Length * 2);
            _peerStart = new int[size];
            _peerEnd = new int[size];
            _peerGroup = new int[size];
            _groupStart = new int[size];
            _frameStart = new long[size];
            _frameEnd = new long[size];
        }
        int start = 0, group = 0;
        for (int i = 1; i <= Rows; i++)
        {
            if (i < Rows && SameOrder(i - 1, i)) continue;
            for (int j = start; j < i; j++)
            {
                _peerStart[j] = start;
                _peerEnd[j] = i;
                _peerGroup[j] = group;
            }
            if (start < Rows) _groupStart[group] = start;
            start = i;
            group++;
        }
        _groups = Rows == 0 ? 0 : group;
    }

    private bool SameOrder(int a, int b)
    {
        foreach (int k in _node.Plan.OrderKeys)
            if (!Equal(_rows[k], a, _rows[k], b, _node.InputOps[k])) return false;
        return true;
    }

    /// <summary>
    /// ntile(n) as window_ntile: n is read at the current row until a row gives a non-NULL n (rows
    /// until then get NULL); n &lt;= 0 raises 22014; then the rows are dealt into n buckets, the first
    /// (rows % n) buckets one row larger (the partition's row count, not the rows left, as PostgreSQL).
    /// The bucket carries over from chunk to chunk in <paramref name="state"/>.
    /// </summary>
    private void Ntile(Column arg, Column result, NtileState state, int first, int end)
    {
        var values = ((PrimitiveColumn<int>)arg).Values;
        long bucket = state.Bucket, inBucket = state.InBucket, boundary = state.Boundary, remainder = state.Remainder;
        for (int i = first; i < end; i++)
        {
            if (bucket == 0)
            {
                if (arg.IsNull(i))
                {
                    ColumnAppend.Null(result);
                    continue;
                }
                int buckets = values[i];
                if (buckets <= 0) PgErrors.Raise("22014", "argument of ntile must be greater than zero");
                bucket = 1;
                inBucket = 0;
                boundary = Rows / buckets;
                if (boundary <= 0) boundary = 1;
                else
                {
                    remainder = Rows % buckets;
                    if (remainder != 0) boundary++;
                }
            }
            inBucket++;
            if (boundary < inBucket)
            {
                if (remainder != 0 && bucket == remainder)
                {
                    remainder = 0;
                    boundary--;
                }
                bucket++;
                inBucket = 1;
            }
            ColumnAppend.Value(result, (int)bucket);
        }
        (state.Bucket, state.InBucket, state.Boundary, state.Remainder) = (bucket, inBucket, boundary, remainder);
    }

    /// <summary>Where ntile stands after the rows computed so far (0 buckets: no non-NULL n seen yet).</summary>
    private sealed class NtileState
    {
        public long Bucket, InBucket, Boundary, Remainder;
    }

    /// <summary>
    /// lag/lead(value [, offset [, default]]): the value offset rows before/after the current row
    /// (offset read per row, 1 without; NULL gives NULL; a negative offset looks the other way),
    /// the default (per row, NULL without) when that row is outside the partition.
    /// </summary>
    private void Shift(PhysicalWindowFunction fn, Column result, bool lag, int first, int end)
    {
        var value = _rows[fn.Args[0]];
        var offsets = fn.Args.Count > 1 ? (PrimitiveColumn<int>)_rows[fn.Args[1]] : null;
        var defaults = fn.Args.Count > 2 ? _rows[fn.Args[2]] : null;
        var ops = _node.InputOps[fn.Args[0]];
        for (int i = first; i < end; i++)
        {
            if (offsets is not null && offsets.IsNull(i))
            {
                ColumnAppend.Null(result);
                continue;
            }
            long offset = offsets is null ? 1 : offsets.Values[i];
            long target = lag ? i - offset : i + offset;
            if (target >= 0 && target < Rows) ops.Append(value, (int)target, result);
            else if (defaults is not null) ops.Append(defaults, i, result);
            else ColumnAppend.Null(result);
        }
    }

    /// <summary>first_value / last_value / nth_value(value, n) over each row's frame; NULL for an empty frame or a frame shorter than n; n &lt;= 0 raises 22016.</summary>
    private void FrameValue(PhysicalWindowFunction fn, Column result, int first, int end)
    {
        var value = _rows[fn.Args[0]];
        var nth = fn.Kind == WindowFunctionKind.NthValue ? (PrimitiveColumn<int>)_rows[fn.Args[1]] : null;
        var ops = _node.InputOps[fn.Args[0]];
        for (int i = first; i < end; i++)
        {
            var (start, last) = FrameOf(i);
            long at;
            if (nth is not null)
            {
                if (nth.IsNull(i))
                {
                    ColumnAppend.Null(result);
                    continue;
                }
                int n = nth.Values[i];
                if (n <= 0) PgErrors.Raise("22016", "argument of nth_value must be greater than zero");
                at = start + n - 1;
            }
            else
            {
                at = fn.Kind == WindowFunctionKind.FirstValue ? start : last;
            }
            if (start <= last && at >= start && at <= last) ops.Append(value, (int)at, result);
            else ColumnAppend.Null(result);
        }
    }

    /// <summary>The frame of row <paramref name="i"/> as inclusive row bounds within the partition; empty when start &gt; end.</summary>
    public (long Start, long End) FrameOf(int i) => (_frameStart[i], _frameEnd[i]);

    /// <summary>
    /// Every row's frame (nodeWindowAgg.c's update_frameheadpos / update_frametailpos), clamped to
    /// the partition. Both bounds never move backwards from one row to the next, in every mode:
    /// WindowAggregate's sliding strategy relies on it.
    /// </summary>
    private void FindFrames()
    {
        var frame = _node.Plan.Frame;
        WindowFrameRange? range = frame.HasRangeOffset ? new WindowFrameRange(_rows[_node.Plan.OrderKeys[0]], Rows, frame.Descending) : null;
        for (int i = 0; i < Rows; i++)
        {
            long start = Bound(frame.Start, frame.StartOffset, i, isStart: true, range);
            long end = Bound(frame.End, frame.EndOffset, i, isStart: false, range);
            _frameStart[i] = Math.Max(start, 0);
            _frameEnd[i] = Math.Min(end, Rows - 1);
        }
    }

    /// <summary>
    /// Where row <paramref name="i"/>'s frame starts (<paramref name="isStart"/>) or ends, before
    /// clamping: ROWS offsets count rows; GROUPS offsets count peer groups (the first row of the
    /// group n before / after for a start, the last row of that group for an end, past the
    /// partition when there is none); RANGE offsets search the key's values (<see cref="WindowFrameRange"/>).
    /// CURRENT ROW is the row itself in ROWS mode, its first or last peer otherwise.
    /// </summary>
    private long Bound(WindowFrameBound bound, long offset, int i, bool isStart, WindowFrameRange? range)
    {
        var mode = _node.Plan.Frame.Mode;
        switch (bound)
        {
            case WindowFrameBound.UnboundedPreceding:
                return isStart ? 0 : -1;
            case WindowFrameBound.UnboundedFollowing:
                return isStart ? Rows : Rows - 1;
            case WindowFrameBound.CurrentRow:
                if (mode == WindowFrameMode.Rows) return i;
                return isStart ? _peerStart[i] : _peerEnd[i] - 1;
        }
        bool preceding = bound == WindowFrameBound.OffsetPreceding;
        if (mode == WindowFrameMode.Rows)
        {
            if (preceding) return i - Math.Min(offset, (long)i + 1);
            return offset > Rows ? Rows : i + offset;
        }
        if (mode == WindowFrameMode.Groups)
        {
            long group = preceding ? _peerGroup[i] - Math.Min(offset, (long)_peerGroup[i] + 1)
                : offset >= _groups - _peerGroup[i] ? _groups : _peerGroup[i] + offset;
            if (group < 0) return isStart ? 0 : -1;
            if (group >= _groups) return isStart ? Rows : Rows - 1;
            return isStart ? _groupStart[group] : (group + 1 < _groups ? _groupStart[group + 1] : Rows) - 1;
        }
        return range!.Bound(i, offset, preceding, isStart, _peerStart[i], _peerEnd[i]);
    }

    public ColumnOps OpsOf(Column column) => _node.InputOps[Array.IndexOf(_rows, column)];

    public PgFusion.Types.PgType TypeOf(Column column) => _node.Input.Output[Array.IndexOf(_rows, column)].Type;
}
