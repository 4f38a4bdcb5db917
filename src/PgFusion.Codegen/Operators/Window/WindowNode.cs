using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Window;

/// <summary>
/// WindowAgg over an input sorted by the partition keys then the order keys (a SortNode below, which
/// spills under the memory budget): buffers one partition's rows, then emits them with every
/// function's value appended, computing the values a chunk of rows at a time as it emits them
/// (<see cref="WindowPartition"/>).
/// </summary>
public sealed class WindowNode : OperatorNode
{
    public WindowNode(OperatorNode input, PhysicalWindow plan)
        : base(plan.Output)
    {
        Input = input;
        Plan = plan;
        InputOps = [.. input.Output.Select(o => ColumnOps.For(o.Type))];
        ResultOps = [.. plan.Functions.Select(f => ColumnOps.For(f.Output.Type))];
        foreach (var k in plan.PartitionKeys.Concat(plan.OrderKeys))
        {
            if (!InputOps[k].CanCompare) throw new UnsupportedException($"window PARTITION BY / ORDER BY on {input.Output[k].Type} is not supported");
        }
        Accumulators = [.. plan.Functions.Select(f => f.Aggregate is { } agg ? Accumulator.Factory(agg) : null)];
        Strategies = [.. plan.Functions.Select((f, i) => Strategy(f, plan.Frame, Accumulators[i]))];
        RaisingFunctions = [.. plan.Functions.Select((f, i) => (f, i)).Where(x => x.f.Args.Any(plan.RaisingArguments.Contains)).Select(x => x.i)];
    }

    /// <summary>
    /// The projection below computing the arguments that can raise (<see cref="PhysicalWindow.RaisingArguments"/>)
    /// with those arguments NULL, compiled when one raises (<see cref="WindowArgumentError"/>); null
    /// when the input is not that projection.
    /// </summary>
    public Func<Kernel<ProjectKernel>>? ArgumentsAfterError { get; init; }

    /// <summary>Indexes of the functions reading an argument that can raise.</summary>
    internal int[] RaisingFunctions { get; }

    /// <summary>
    /// How an aggregate's frames are computed. A frame that starts at the partition's first row only
    /// grows (running). Otherwise, for aggregates whose accumulator merges exactly (their value does
    /// not depend on the order rows come in): a frame that ends at the partition's last row only
    /// grows from the end back (reverse running), any other slides forward (sliding, linear at any
    /// width). Float sum/avg are aggregated afresh per row (PostgreSQL restarts them per row too:
    /// no inverse transition, since rounding depends on the order), costing the frame's width per row.
    /// </summary>
    private static WindowAggregateStrategy Strategy(PhysicalWindowFunction f, PgFusion.Planner.Logical.WindowFrame frame, Func<Accumulator>? factory)
    {
        if (f.Aggregate is null) return WindowAggregateStrategy.None;
        if (frame.Start == PgFusion.Planner.Logical.WindowFrameBound.UnboundedPreceding) return WindowAggregateStrategy.Running;
        // min / max over a type whose equal values can differ (numeric 1.0 / 1.00, interval
        // '1 mon' / '30 days', float 0 / -0, bpchar's trailing blanks): a tie takes the later row's
        // value, which the sliding and reverse running strategies, feeding earlier rows after later
        // ones, would not give; those aggregate per row as PostgreSQL restarts min / max per row.
        var accumulator = factory!();
        if (accumulator.CanMerge && !(accumulator is MinMaxAccumulator { TiesMayDiffer: true }))
        {
            return frame.End == PgFusion.Planner.Logical.WindowFrameBound.UnboundedFollowing ? WindowAggregateStrategy.ReverseRunning : WindowAggregateStrategy.Sliding;
        }
        return WindowAggregateStrategy.PerRow;
    }

    /// <summary>Per function: how <see cref="WindowAggregate"/> computes an aggregate's frames (None for other functions).</summary>
    internal WindowAggregateStrategy[] Strategies { get; }

    public OperatorNode Input { get; }

    public PhysicalWindow Plan { get; }

    internal ColumnOps[] InputOps { get; }

    internal ColumnOps[] ResultOps { get; }

    /// <summary>Per function: the accumulator factory of an aggregate used as a window function, else null.</summary>
    internal Func<Accumulator>?[] Accumulators { get; }

    public override IReadOnlyList<OperatorNode> Children => [Input];

    public override string Describe() =>
        $"WindowAgg: partition by {Names(Plan.PartitionKeys)}; order by {Names(Plan.OrderKeys)}; {Plan.Frame}; "
        + string.Join(", ", Plan.Functions.Select(f => $"{f.Name}({Names(f.Args)})"));

    private string Names(IReadOnlyList<int> indexes) => string.Join(", ", indexes.Select(i => Input.Output[i].Name));

    public override IBatchSource Open(ExecutionContext context)
    {
        if (ArgumentsAfterError is { } afterError && Input is ProjectNode project)
        {
            var error = new WindowArgumentError();
            var arguments = new DeferringArgumentStream(project.Kernel, afterError, project.OutputTypes, project.Input.Open(context), context, error);
            return new WindowStream(this, arguments, context.Spill, error);
        }
        return new WindowStream(this, Input.Open(context), context.Spill, null);
    }

    /// <summary>
    /// Reads input rows into the partition buffer until a row with other partition keys comes (or the
    /// input ends), computes the partition, then copies its rows out in batches before it reads on;
    /// the input batch is kept (not read past) while a finished partition is still being copied.
    /// </summary>
    private sealed class WindowStream(WindowNode node, IBatchSource input, Operators.Spill.SpillSpace spill, WindowArgumentError? error) : IBatchSource
    {
        private long _appended; // input rows appended to partitions
        private long _partitionStart; // input position of the partition's first row
        private int _limit = int.MaxValue; // rows of the computed partition emitted before _pending (WindowArgumentError.RowsBefore)
        private PgFusionException? _pending; // the error raised in place of row _limit: an argument's or the input's
        private PgFusionException? _raise; // the rows before this error went up: raise it
        private readonly WindowPartition _partition = new(node, spill);
        private readonly Column[] _output = [.. node.Output.Select(o => PgArrowMapping.CreateColumn(o.Type, ExecutionContext.BatchRows))];
        private RecordBatch? _batch;
        private int _batchPos;
        private bool _inputDone;
        private int _finishedRows; // rows of the computed partition (0: none)
        private int _copied; // of those, rows already copied out

        public RecordBatch? Next(CancellationToken cancellation)
        {
            if (_raise is not null) throw _raise;
            foreach (var c in _output) c.Reset();
            int rows = 0;
            while (true)
            {
                if (_copied < _finishedRows || (_pending is not null && _finishedRows > 0))
                {
                    // the values of the rows from _copied on that can be computed before a function raises
                    int ready = _copied >= _limit ? 0 : _partition.Ready(_copied);
                    if (ready == 0)
                    {
                        var raised = _copied >= _limit ? _pending! : _partition.ValueError!;
                        if (rows == 0) throw raised;
                        _raise = raised;
                        return new RecordBatch(_output, rows);
                    }
                    int n = Math.Min(ExecutionContext.BatchRows - rows, Math.Min(Math.Min(_finishedRows, _limit) - _copied, ready));
                    _partition.CopyOut(_copied, n, _output);
                    _copied += n;
                    rows += n;
                    if (rows == ExecutionContext.BatchRows) return new RecordBatch(_output, rows);
                    continue;
                }
                if (_finishedRows > 0)
                {
                    _partition.Clear();
                    _finishedRows = _copied = 0;
                }
                if (_batch is null || _batchPos >= _batch.LiveRows)
                {
                    if (!_inputDone)
                    {
                        try
                        {
                            _batch = input.Next(cancellation);
                        }
                        catch (PgFusionException raised) when (_partition.Rows > 0)
                        {
                            // the input raised on the row after the partition's rows so far: emit the
                            // rows PostgreSQL computes before it asks for that row, then raise
                            _inputDone = true;
                            _batch = null;
                            Finish(cancellation, raised);
                            continue;
                        }
                    }
                    if (_inputDone || _batch is null)
                    {
                        _inputDone = true;
                        _batch = null;
                        if (_partition.Rows > 0)
                        {
                            Finish(cancellation);
                            continue;
                        }
                        return rows > 0 ? new RecordBatch(_output, rows) : null;
                    }
                    _batchPos = 0;
                }
                var batch = _batch;
                int live = batch.LiveRows;
                while (_batchPos < live)
                {
                    int row = batch.Selection is { } s ? s[_batchPos] : _batchPos;
                    if (_partition.Rows > 0 && !_partition.SamePartition(batch, row))
                    {
                        Finish(cancellation);
                        break;
                    }
                    if (_partition.Rows == 0) _partitionStart = _appended;
                    _partition.Append(batch, row);
                    _appended++;
                    _batchPos++;
                }
            }
        }

        /// <param name="inputError">The error the input raised on the row after the partition's rows (which then ends there), else null.</param>
        private void Finish(CancellationToken cancellation, PgFusionException? inputError = null)
        {
            cancellation.ThrowIfCancellationRequested();
            _partition.Prepare();
            _finishedRows = _partition.Rows;
            _copied = 0;
            _limit = int.MaxValue;
            _pending = null;
            bool argument = error?.Error is not null && error.Row < _partitionStart + _finishedRows;
            if (!argument && inputError is null) return;
            int raisingRow = argument ? (int)(error!.Row - _partitionStart) : int.MaxValue;
            int limit = WindowArgumentError.RowsBefore(_partition, node, raisingRow, inputError is not null, out bool inputFirst);
            if (inputFirst)
            {
                (_limit, _pending) = (limit, inputError);
            }
            else if (limit < _finishedRows)
            {
                (_limit, _pending) = (limit, error!.Error);
            }
        }
    }
}
