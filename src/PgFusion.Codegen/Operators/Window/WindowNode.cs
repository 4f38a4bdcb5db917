using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.Window;

/// <summary>
/// WindowAgg over an input sorted by the partition keys then the order keys (a SortNode below, which
/// spills under the memory budget): buffers one partition's rows, computes every function's value
/// for each of them (<see cref="WindowPartition"/>), and emits the rows with those values appended.
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
        Strategies = [.. plan.Functions.Select(f => Strategy(f, plan.Frame, input))];
        Accumulators = [.. plan.Functions.Select(f => f.Aggregate is { } agg ? Accumulator.Factory(agg) : null)];
    }

    /// <summary>
    /// How an aggregate's frames are computed. A frame that starts at the partition's first row only
    /// grows (running); one that ends at its last row only grows from the end back (reverse running),
    /// for the aggregates whose value does not depend on the order rows are fed in. Other frames
    /// whose start moves are aggregated afresh per row: only when they are at most
    /// <see cref="MaxMovingFrameRows"/> wide, or for float sum/avg, which PostgreSQL also restarts per
    /// row (they have no inverse transition, since rounding depends on the order).
    /// </summary>
    private static WindowAggregateStrategy Strategy(PhysicalWindowFunction f, PgFusion.Planner.Logical.WindowFrame frame, OperatorNode input)
    {
        if (f.Aggregate is not { } aggregate) return WindowAggregateStrategy.None;
        if (frame.Start == PgFusion.Planner.Logical.WindowFrameBound.UnboundedPreceding) return WindowAggregateStrategy.Running;
        Types.PgType? argType = f.Args.Count > 0 ? input.Output[f.Args[0]].Type : null;
        bool orderFree = aggregate.Name is "count" or "min" or "max"
            || (aggregate.Name is "sum" or "avg" && argType?.Oid is Types.PgTypeOid.Int2 or Types.PgTypeOid.Int4 or Types.PgTypeOid.Int8 or Types.PgTypeOid.Numeric);
        if (frame.End == PgFusion.Planner.Logical.WindowFrameBound.UnboundedFollowing && orderFree) return WindowAggregateStrategy.ReverseRunning;
        bool floatSum = aggregate.Name is "sum" or "avg" && argType?.Oid is Types.PgTypeOid.Float4 or Types.PgTypeOid.Float8;
        if (MovingFrameWidth(frame) is > MaxMovingFrameRows && !floatSum)
            throw new UnsupportedException($"window aggregate {aggregate.Name} over {frame}: its start moves and it may span more than {MaxMovingFrameRows} rows, which would be recomputed per row (PostgreSQL's inverse transitions stay linear)");
        return WindowAggregateStrategy.PerRow;
    }

    /// <summary>Per function: how <see cref="WindowAggregate"/> computes an aggregate's frames (None for other functions).</summary>
    internal WindowAggregateStrategy[] Strategies { get; }

    /// <summary>
    /// The widest frame an aggregate recomputes per row (WindowAggregate.PerRow feeds every frame
    /// afresh): wider ones would make a large partition quadratic, so they stay with PostgreSQL.
    /// </summary>
    internal const long MaxMovingFrameRows = 1025;

    /// <summary>
    /// How many rows a frame whose start moves can span at most: null when its start is UNBOUNDED
    /// PRECEDING (a running aggregate, linear); long.MaxValue when unbounded (an end of UNBOUNDED
    /// FOLLOWING, or a RANGE frame, whose CURRENT ROW bounds take in every peer).
    /// </summary>
    internal static long? MovingFrameWidth(PgFusion.Planner.Logical.WindowFrame frame)
    {
        if (frame.Start == PgFusion.Planner.Logical.WindowFrameBound.UnboundedPreceding) return null;
        if (!frame.Rows || frame.End == PgFusion.Planner.Logical.WindowFrameBound.UnboundedFollowing) return long.MaxValue;
        static double Position(PgFusion.Planner.Logical.WindowFrameBound bound, long offset) => bound switch
        {
            PgFusion.Planner.Logical.WindowFrameBound.OffsetPreceding => -(double)offset,
            PgFusion.Planner.Logical.WindowFrameBound.OffsetFollowing => offset,
            _ => 0,
        };
        double width = Position(frame.End, frame.EndOffset) - Position(frame.Start, frame.StartOffset) + 1;
        return width <= 0 ? 0 : width >= long.MaxValue ? long.MaxValue : (long)width;
    }

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

    public override IBatchSource Open(ExecutionContext context) => new WindowStream(this, Input.Open(context));

    /// <summary>
    /// Reads input rows into the partition buffer until a row with other partition keys comes (or the
    /// input ends), computes the partition, then copies its rows out in batches before it reads on;
    /// the input batch is kept (not read past) while a finished partition is still being copied.
    /// </summary>
    private sealed class WindowStream(WindowNode node, IBatchSource input) : IBatchSource
    {
        private readonly WindowPartition _partition = new(node);
        private readonly Column[] _output = [.. node.Output.Select(o => PgArrowMapping.CreateColumn(o.Type, ExecutionContext.BatchRows))];
        private RecordBatch? _batch;
        private int _batchPos;
        private bool _inputDone;
        private int _finishedRows; // rows of the computed partition (0: none)
        private int _copied; // of those, rows already copied out

        public RecordBatch? Next(CancellationToken cancellation)
        {
            foreach (var c in _output) c.Reset();
            int rows = 0;
            while (true)
            {
                if (_copied < _finishedRows)
                {
                    int n = Math.Min(ExecutionContext.BatchRows - rows, _finishedRows - _copied);
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
                    if (_inputDone || (_batch = input.Next(cancellation)) is null)
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
                    _partition.Append(batch, row);
                    _batchPos++;
                }
            }
        }

        private void Finish(CancellationToken cancellation)
        {
            cancellation.ThrowIfCancellationRequested();
            _partition.Compute();
            _finishedRows = _partition.Rows;
            _copied = 0;
        }
    }
}
