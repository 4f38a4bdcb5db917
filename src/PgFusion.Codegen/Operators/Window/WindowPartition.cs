using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Spill;
using PgFusion.Codegen.Values;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Window;

/// <summary>
/// One partition of a window: its rows (copies of the input columns, in the sorted order), its
/// peer groups (runs of equal order keys, NULLs equal) and frames, and the window functions' values
/// with PostgreSQL 15's windowfuncs.c / nodeWindowAgg.c semantics. The values are computed as the
/// rows are copied out, <see cref="ResultChunk"/> rows at a time (as nodeWindowAgg evaluates them
/// per row as it returns it), so only one chunk of each function's values, peer groups and frames
/// is held (<see cref="WindowFrames"/>).
/// <para>
/// Under a memory budget (<see cref="SpillSpace"/>), a partition whose rows pass it goes to spill
/// files as rows come, and only a block of rows stays in memory: the columns no window function
/// reads (neither argument nor ORDER BY key: the pass-through columns) to one file, read back in
/// row order by <see cref="CopyOut"/>; the read columns to another, in blocks of 1024 rows that
/// the functions, the frames and the copy read back by row number (<see cref="WindowReadBlocks"/>,
/// <see cref="At"/>). The functions and frames then hold a chunk's positions and their
/// accumulators' states, not rows (docs/spill.md).
/// </para>
/// </summary>
internal sealed class WindowPartition
{
    /// <summary>Rows between checks of the partition's size against the budget (a whole block of read columns).</summary>
    private const int CheckEvery = WindowReadBlocks.BlockRows;

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
    private int _backRows; // rows in _readBack
    private int _backPos; // next row of _readBack to copy out
    private readonly Column[] _read; // the _rows columns functions read (ORDER BY keys, arguments), in input order
    private readonly int[] _readIndex; // their input column indexes
    private readonly int[] _readSlot; // per input column: its index in _read, -1 for a pass-through column
    private readonly Column[] _readSlice; // a block of read columns, to write the rows held when the spill starts
    private WindowReadBlocks? _blocks; // the read columns of rows [0, _readFlushed); null while the partition fits
    private int _readFlushed;
    private readonly Column[] _results; // per function: the values of rows [_resultsFirst, _resultsFirst + _resultsRows)
    private int _resultsFirst;
    private int _resultsRows;
    private readonly WindowAggregate?[] _aggregates; // per aggregate function: its state from chunk to chunk
    private readonly NtileState?[] _ntiles; // per ntile: its bucket from chunk to chunk
    private WindowFrames? _frames; // the peers and frames of the chunk of values held
    private readonly MemoryGauge _gauge; // what the partition holds: rows, read-back block, cached blocks, a chunk of values

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
        _readIndex = [.. Enumerable.Range(0, input.Count).Where(read.Contains)];
        _read = [.. _readIndex.Select(c => _rows[c])];
        _readSlot = [.. Enumerable.Range(0, input.Count).Select(c => Array.IndexOf(_readIndex, c))];
        _readSlice = [.. _readIndex.Select(c => PgArrowMapping.CreateColumn(input[c].Type, WindowReadBlocks.BlockRows))];
        _gauge = spill.Gauge(node);
    }

    /// <summary>
    /// The partition's rows may take this much before it spills: the budget less an eighth, which
    /// the spilled partition's cached blocks, its read-back block and a chunk of values take
    /// (<see cref="RowsBudgetBytes"/>; docs/spill.md).
    /// </summary>
    private long RowsBudgetBytes => _spill.TableBudgetBytes;

    /// <summary>
    /// Reports what the partition holds now to the execution's memory tracker: its rows or blocks,
    /// a chunk of values, and what the aggregates carry from chunk to chunk (their states).
    /// </summary>
    private void Measure()
    {
        long bytes = ColumnMemory.Bytes(_rows) + ColumnMemory.Bytes(_results) + ColumnMemory.Bytes(_keyRow);
        if (_file is not null) bytes += ColumnMemory.Bytes(_readBack);
        if (_blocks is not null) bytes += _blocks.CachedBytes;
        long states = 0;
        foreach (var a in _aggregates)
        {
            if (a is null) continue;
            states += a.HeldBytes;
            bytes += a.ChunkBytes;
        }
        if (states > 0) _spill.NoteWindowStates(states);
        _gauge.Set(bytes + states);
    }

    /// <summary>
    /// What one aggregate function's carried states may take (a reverse running aggregate's
    /// checkpoints, a sliding one's block suffixes), shared by the window's aggregate functions: in
    /// memory, the part of the budget the partition's rows and values do not take, at least an
    /// eighth; spilled, the eighth its rows left when they spilled (its block cache is a fixed slack
    /// beyond the budget, and fills as the values are computed); no limit without a budget.
    /// </summary>
    public long StateBudgetBytes
    {
        get
        {
            if (!_spill.Limited || !WindowAggregate.CountStates) return long.MaxValue;
            long eighth = _spill.BudgetBytes / 8;
            long free = _blocks is not null ? eighth : Math.Max(eighth, _spill.BudgetBytes - _gauge.Bytes);
            return free / Math.Max(1, _node.Plan.Functions.Count(f => f.Aggregate is not null));
        }
    }

    /// <summary>An aggregate dropped half its carried states to stay within <see cref="StateBudgetBytes"/>.</summary>
    public void CountStateThinning() => _spill.CountWindowStateThinning();

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
        if (_blocks is not null)
        {
            if (_file is not null && Rows - _flushed >= ExecutionContext.BatchRows) FlushPassThrough();
            if (Rows - _readFlushed == WindowReadBlocks.BlockRows) FlushRead();
        }
        else if (Rows % CheckEvery == 0)
        {
            Measure();
            if (_spill.Limited && _gauge.Bytes > RowsBudgetBytes) StartSpill();
        }
    }

    /// <summary>
    /// The partition passed the budget (after a whole number of blocks): its pass-through columns
    /// go to one file, its read columns to another in blocks, and from now on each block of rows
    /// follows them as it fills.
    /// </summary>
    private void StartSpill()
    {
        _spill.CountWindowPartitionSpill();
        if (_passThrough.Length > 0)
        {
            _file = _spill.Create(new(SpillOperator.Window, _node));
            FlushPassThrough();
        }
        _blocks = new WindowReadBlocks(_spill, new(SpillOperator.Window, _node), [.. _readIndex.Select(c => _node.Input.Output[c].Type)]);
        for (int first = 0; first < Rows; first += WindowReadBlocks.BlockRows)
        {
            int n = Math.Min(WindowReadBlocks.BlockRows, Rows - first);
            for (int j = 0; j < _read.Length; j++) ColumnGather.Gather(_read[j], null, first, n, _readSlice[j], _node.InputOps[_readIndex[j]]);
            _blocks.Write(_readSlice, n);
        }
        foreach (var c in _read) c.Reset();
        _readFlushed = Rows;
        Measure();
    }

    /// <summary>Writes the pass-through values of rows [_flushed, Rows) to the file and drops them from memory.</summary>
    private void FlushPassThrough()
    {
        Measure();
        _file!.Write(_passThrough, Rows - _flushed);
        foreach (var c in _passThrough) c.Reset();
        _flushed = Rows;
        Measure();
    }

    /// <summary>Writes the read columns of rows [_readFlushed, Rows) as the next block and drops them from memory.</summary>
    private void FlushRead()
    {
        Measure();
        _blocks!.Write(_read, Rows - _readFlushed);
        foreach (var c in _read) c.Reset();
        _readFlushed = Rows;
        Measure();
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
        _blocks?.Dispose();
        _blocks = null;
        _flushed = _backRows = _backPos = _readFlushed = 0;
        _resultsFirst = _resultsRows = 0;
        ValueError = null;
        _frames = null;
        Array.Clear(_aggregates);
        Array.Clear(_ntiles);
        _gauge.Set(0);
    }

    /// <summary>
    /// Input column <paramref name="column"/> (a read column) at partition row <paramref name="row"/>:
    /// the column that holds it and its index there (<paramref name="index"/>). In memory, the
    /// partition's column itself; spilled, the cached block's, valid until other blocks are read
    /// (<see cref="WindowReadBlocks.Block"/>): use it at once.
    /// </summary>
    public Column At(int column, long row, out int index)
    {
        if (_blocks is null)
        {
            index = (int)row;
            return _rows[column];
        }
        index = (int)(row % WindowReadBlocks.BlockRows);
        return _blocks.Block((int)(row / WindowReadBlocks.BlockRows))[_readSlot[column]];
    }

    public bool IsNull(int column, long row) => At(column, row, out int r).IsNull(r);

    /// <summary>Refills <paramref name="dst"/> with read column <paramref name="column"/>'s rows [first, first + count).</summary>
    public void Gather(int column, long first, int count, Column dst)
    {
        var ops = _node.InputOps[column];
        if (_blocks is null)
        {
            ColumnGather.Gather(_rows[column], null, (int)first, count, dst, ops);
            return;
        }
        dst.Reset();
        AppendRows(column, first, count, dst);
    }

    /// <summary>Refills <paramref name="dst"/> with read column <paramref name="column"/>'s rows <paramref name="selection"/>[0..count).</summary>
    public void Gather(int column, int[] selection, int count, Column dst)
    {
        var ops = _node.InputOps[column];
        if (_blocks is null)
        {
            ColumnGather.Gather(_rows[column], selection, count, dst, ops);
            return;
        }
        dst.Reset();
        for (int j = 0; j < count; j++) ops.Append(At(column, selection[j], out int r), r, dst);
    }

    /// <summary>Appends read column <paramref name="column"/>'s rows [first, first + count) to <paramref name="dst"/>, block by block when spilled.</summary>
    private void AppendRows(int column, long first, int count, Column dst)
    {
        var ops = _node.InputOps[column];
        while (count > 0)
        {
            var src = At(column, first, out int r);
            int n = _blocks is null ? count : Math.Min(count, WindowReadBlocks.BlockRows - r);
            ColumnGather.Append(src, null, r, n, dst, ops);
            first += n;
            count -= n;
        }
    }

    /// <summary>One past the last row of the peer group that starts at row <paramref name="start"/> (rows with equal ORDER BY keys; the whole partition without ORDER BY).</summary>
    public int PeerGroupEnd(int start)
    {
        if (_node.Plan.OrderKeys.Count == 0) return Rows;
        int end = start + 1;
        while (end < Rows && SameOrder(end - 1, end)) end++;
        return end;
    }

    /// <summary>
    /// Appends rows [from, from + count) with their function values to <paramref name="output"/>
    /// (input columns, then results). Rows are copied out in row order, from 0 on: the values are
    /// computed a chunk at a time as the copy reaches them, and a spilled partition's columns come
    /// from its files, block after block.
    /// </summary>
    public void CopyOut(int from, int count, Column[] output)
    {
        for (int c = 0; c < _rows.Length; c++)
        {
            if (_file is null && _blocks is null) ColumnGather.Append(_rows[c], null, from, count, output[c], _node.InputOps[c]);
            else if (_readSlot[c] >= 0) AppendRows(c, from, count, output[c]);
            else if (_file is null) ColumnGather.Append(_rows[c], null, from, count, output[c], _node.InputOps[c]);
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

    /// <summary>
    /// The error a function raised computing the values of the row after those held (see
    /// <see cref="Ready"/>), else null.
    /// </summary>
    public PgFusionException? ValueError { get; private set; }

    /// <summary>
    /// How many rows from <paramref name="from"/> (the next row to copy out) have their values held,
    /// computing the next chunk when none are: 0 when computing row <paramref name="from"/>'s values
    /// raises (<see cref="ValueError"/>). PostgreSQL computes a row's values, then projects the row,
    /// before it computes the next row's, so the rows before the raising one go up first.
    /// </summary>
    public int Ready(int from)
    {
        int end = _resultsFirst + _resultsRows;
        if (from == end && ValueError is null) end = NextResults();
        return end - from;
    }

    /// <summary>
    /// Computes the peers, frames and every function's values for the chunk after the one held;
    /// returns one past its last row. When a function raises, the chunk holds only the rows before
    /// the first row whose values raise, and <see cref="ValueError"/> is that row's error.
    /// </summary>
    private int NextResults()
    {
        _resultsFirst += _resultsRows;
        _resultsRows = Math.Min(ResultChunk, Rows - _resultsFirst);
        if (_resultsRows <= 0) throw new InvalidOperationException($"window values asked past the partition's {Rows} rows");
        _frames!.Compute(_resultsFirst, _resultsRows);
        List<(int Function, PgFusionException Error)>? raised = null;
        for (int f = 0; f < _results.Length; f++)
        {
            _results[f].Reset();
            try
            {
                ComputeValues(f, _resultsFirst, _resultsRows, _results[f]);
            }
            catch (PgFusionException e)
            {
                (raised ??= []).Add((f, e));
            }
        }
        if (raised is not null) StopAtFirstRaisingRow(raised);
        Measure();
        return _resultsFirst + _resultsRows;
    }

    /// <summary>
    /// Some functions raised computing the chunk's values: finds the first row whose values raise
    /// (each raising function computed again from the partition's start, the chunk a row at a time)
    /// and keeps the rows before it. PostgreSQL evaluates a row's functions other than aggregates
    /// first, in order, then its aggregates (ExecWindowAgg), so at one row the first of those raises.
    /// </summary>
    private void StopAtFirstRaisingRow(List<(int Function, PgFusionException Error)> raised)
    {
        int row = int.MaxValue, rank = int.MaxValue;
        PgFusionException? error = null;
        foreach (var (f, chunkError) in raised)
        {
            var (at, e) = FirstRaisingRow(f, chunkError);
            int order = (_node.Plan.Functions[f].Aggregate is null ? 0 : _results.Length) + f;
            if (at < row || (at == row && order < rank)) (row, rank, error) = (at, order, e);
        }
        _resultsRows = row - _resultsFirst;
        ValueError = error;
    }

    /// <summary>The first row of the chunk held whose function <paramref name="f"/> value raises, and its error.</summary>
    private (int Row, PgFusionException Error) FirstRaisingRow(int f, PgFusionException chunkError)
    {
        // the sliding and reverse running strategies compute whole chunks only: the chunk's first row
        if (_node.Strategies[f] is WindowAggregateStrategy.Sliding or WindowAggregateStrategy.ReverseRunning) return (_resultsFirst, chunkError);
        _aggregates[f] = null;
        _ntiles[f] = null;
        var held = _frames!;
        if (_resultsFirst > 0)
        {
            var scratch = PgArrowMapping.CreateColumn(_node.Plan.Functions[f].Output.Type, ResultChunk);
            _frames = NewFrames();
            for (int first = 0; first < _resultsFirst; first += ResultChunk)
            {
                int n = Math.Min(ResultChunk, _resultsFirst - first);
                _frames.Compute(first, n);
                scratch.Reset();
                ComputeValues(f, first, n, scratch);
            }
            _frames = held;
        }
        _results[f].Reset();
        for (int i = _resultsFirst; i < _resultsFirst + _resultsRows; i++)
        {
            try
            {
                ComputeValues(f, i, 1, _results[f]);
            }
            catch (PgFusionException e)
            {
                return (i, e);
            }
        }
        return (_resultsFirst, chunkError); // raised on the chunk, not row by row: keep the chunk's first row
    }

    /// <summary>The next <paramref name="count"/> rows' pass-through values, from the spill file.</summary>
    private void CopyPassThrough(int count, Column[] output)
    {
        while (count > 0)
        {
            if (_backPos == _backRows)
            {
                do _backRows = _file!.Read(_readBack);
                while (_backRows == 0);
                if (_backRows < 0) throw new InvalidOperationException($"window partition spill file ended before its {Rows} rows were copied out");
                _backPos = 0;
                Measure();
            }
            int n = Math.Min(count, _backRows - _backPos);
            for (int j = 0; j < _passThroughIndex.Length; j++)
            {
                int c = _passThroughIndex[j];
                ColumnGather.Append(_readBack[j], null, _backPos, n, output[c], _node.InputOps[c]);
            }
            _backPos += n;
            count -= n;
        }
    }

    /// <summary>
    /// Ends the partition's input: a spilled partition writes its last rows; the peers, frames and
    /// functions' values come a chunk at a time as <see cref="CopyOut"/> reaches them.
    /// </summary>
    public void Prepare()
    {
        if (_file is not null && Rows > _flushed) FlushPassThrough(); // every pass-through value is read back from the file
        if (_blocks is not null && Rows > _readFlushed) FlushRead(); // every read value from the blocks
        _frames = NewFrames();
        Measure();
    }

    /// <summary>A cursor over the partition's peers and frames from its first row.</summary>
    public WindowFrames NewFrames()
    {
        var plan = _node.Plan;
        return new WindowFrames(this, plan.Frame, Rows, plan.Frame.HasRangeOffset ? plan.OrderKeys[0] : null);
    }

    /// <summary>Appends function <paramref name="f"/>'s values of rows [first, first + rows) to <paramref name="result"/>; chunks come in row order.</summary>
    private void ComputeValues(int f, int first, int rows, Column result)
    {
        var fn = _node.Plan.Functions[f];
        var frames = _frames!;
        int end = first + rows;
        switch (fn.Kind)
        {
            case WindowFunctionKind.RowNumber:
                for (int i = first; i < end; i++) ColumnAppend.Value(result, (long)i + 1);
                break;
            case WindowFunctionKind.Rank:
                for (int i = first; i < end; i++) ColumnAppend.Value(result, (long)frames.PeerStart(i) + 1);
                break;
            case WindowFunctionKind.DenseRank:
                for (int i = first; i < end; i++) ColumnAppend.Value(result, (long)frames.PeerGroup(i) + 1);
                break;
            case WindowFunctionKind.PercentRank:
                // (rank - 1) / (rows - 1), 0 for a one-row partition (window_percent_rank).
                for (int i = first; i < end; i++) ColumnAppend.Value(result, Rows > 1 ? (double)frames.PeerStart(i) / (Rows - 1) : 0.0);
                break;
            case WindowFunctionKind.CumeDist:
                // rows up to the current row's last peer / rows (window_cume_dist).
                for (int i = first; i < end; i++) ColumnAppend.Value(result, (double)frames.PeerEnd(i) / Rows);
                break;
            case WindowFunctionKind.Ntile:
                Ntile(fn.Args[0], result, _ntiles[f] ??= new NtileState(), first, end);
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
                    int? arg = fn.Args.Count > (filtered ? 1 : 0) ? fn.Args[0] : null;
                    int? filter = filtered ? fn.Args[^1] : null;
                    _aggregates[f] = WindowAggregate.Create(this, arg, filter, _node.Accumulators[f]!, _node.Strategies[f], fn.Output.Type, _node.ResultOps[f]);
                }
                _aggregates[f]!.Compute(first, rows, result);
                break;
            }
        }
    }

    private bool SameOrder(int a, int b)
    {
        foreach (int k in _node.Plan.OrderKeys)
        {
            var ca = At(k, a, out int ra);
            var cb = At(k, b, out int rb);
            if (!Equal(ca, ra, cb, rb, _node.InputOps[k])) return false;
        }
        return true;
    }

    /// <summary>
    /// ntile(n) as window_ntile: n is read at the current row until a row gives a non-NULL n (rows
    /// until then get NULL); n &lt;= 0 raises 22014; then the rows are dealt into n buckets, the first
    /// (rows % n) buckets one row larger (the partition's row count, not the rows left, as PostgreSQL).
    /// The bucket carries over from chunk to chunk in <paramref name="state"/>.
    /// </summary>
    private void Ntile(int arg, Column result, NtileState state, int first, int end)
    {
        long bucket = state.Bucket, inBucket = state.InBucket, boundary = state.Boundary, remainder = state.Remainder;
        for (int i = first; i < end; i++)
        {
            if (bucket == 0)
            {
                var column = (PrimitiveColumn<int>)At(arg, i, out int r);
                if (column.IsNull(r))
                {
                    ColumnAppend.Null(result);
                    continue;
                }
                int buckets = column.Values[r];
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
        int value = fn.Args[0];
        int? offsets = fn.Args.Count > 1 ? fn.Args[1] : null;
        int? defaults = fn.Args.Count > 2 ? fn.Args[2] : null;
        var ops = _node.InputOps[value];
        for (int i = first; i < end; i++)
        {
            long offset = 1;
            if (offsets is { } o)
            {
                var column = (PrimitiveColumn<int>)At(o, i, out int r);
                if (column.IsNull(r))
                {
                    ColumnAppend.Null(result);
                    continue;
                }
                offset = column.Values[r];
            }
            long target = lag ? i - offset : i + offset;
            if (target >= 0 && target < Rows) ops.Append(At(value, target, out int t), t, result);
            else if (defaults is { } d) ops.Append(At(d, i, out int r), r, result);
            else ColumnAppend.Null(result);
        }
    }

    /// <summary>first_value / last_value / nth_value(value, n) over each row's frame; NULL for an empty frame or a frame shorter than n; n &lt;= 0 raises 22016.</summary>
    private void FrameValue(PhysicalWindowFunction fn, Column result, int first, int end)
    {
        int value = fn.Args[0];
        int? nth = fn.Kind == WindowFunctionKind.NthValue ? fn.Args[1] : null;
        var ops = _node.InputOps[value];
        for (int i = first; i < end; i++)
        {
            var (start, last) = FrameOf(i);
            long at;
            if (nth is { } nthArg)
            {
                var column = (PrimitiveColumn<int>)At(nthArg, i, out int r);
                if (column.IsNull(r))
                {
                    ColumnAppend.Null(result);
                    continue;
                }
                int n = column.Values[r];
                if (n <= 0) PgErrors.Raise("22016", "argument of nth_value must be greater than zero");
                at = start + n - 1;
            }
            else
            {
                at = fn.Kind == WindowFunctionKind.FirstValue ? start : last;
            }
            if (start <= last && at >= start && at <= last) ops.Append(At(value, at, out int v), v, result);
            else ColumnAppend.Null(result);
        }
    }

    /// <summary>The frame of row <paramref name="i"/> (of the chunk of values being computed) as inclusive row bounds within the partition; empty when start &gt; end.</summary>
    public (long Start, long End) FrameOf(int i) => _frames!.FrameOf(i);

    public ColumnOps OpsOf(int column) => _node.InputOps[column];

    public PgFusion.Types.PgType TypeOf(int column) => _node.Input.Output[column].Type;
}
