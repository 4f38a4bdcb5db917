using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// The spilling side of <see cref="HashAggregateStream"/>. Once the group table is over budget it
/// is frozen: <see cref="Route"/> keeps the rows of groups it holds (compacted, with their group
/// ids) and writes the others, as evaluated columns (keys, arguments, filters), to hash partitions.
/// After the in-memory groups are emitted each partition is aggregated by a nested stream over the
/// same node, its evaluated columns read directly; one that overflows again spills one level
/// deeper on other hash bits. A group's rows all land in the same partition, so each group is
/// aggregated exactly once, with its rows in input order.
/// </summary>
internal sealed class AggregateSpill
{
    /// <summary>Below this many levels of recursion a partition spills again; deeper, it stays in memory.</summary>
    private const int MaxLevel = 6;

    /// <summary>Bytes counted per group and aggregate besides the keys: the accumulators' state arrays.</summary>
    private const int StateBytesPerAggregate = 32;

    private readonly HashAggregateNode node;
    private readonly ExecutionContext context;
    private readonly int level;
    private readonly HashPartitioner partitioner;
    private int[] keep = new int[ExecutionContext.BatchRows];
    private readonly Column[] compact;
    private readonly ColumnOps[] ops;
    private readonly Queue<SpillFile> pending = [];
    private HashAggregateStream? current;

    public AggregateSpill(HashAggregateNode node, ExecutionContext context, int level)
    {
        this.node = node;
        this.context = context;
        this.level = level;
        partitioner = new HashPartitioner(node.EvaluatedTypes, level, context, new(SpillOperator.HashAggregate, node));
        compact = [.. node.EvaluatedTypes.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows))];
        ops = [.. node.EvaluatedTypes.Select(ColumnOps.For)];
    }

    /// <summary>
    /// What the budget counts of the table: its keys, the per-aggregate state arrays, and what the
    /// accumulators hold beyond them (DISTINCT value sets, ORDER BY rows, string_agg text).
    /// </summary>
    public static long Bytes(GroupTable table, Accumulator[] accumulators)
    {
        long bytes = ColumnMemory.Bytes(table.Keys) + (long)table.Count * (16 + StateBytesPerAggregate * accumulators.Length);
        foreach (var a in accumulators) bytes += a.HeldBytes;
        return bytes;
    }

    public bool CanSpill => level < MaxLevel;

    /// <summary>
    /// Group ids of the rows whose group is in the table, and those rows' evaluated columns
    /// (compacted; <paramref name="kept"/> of them); every other row goes to its partition.
    /// </summary>
    public Column[] Route(GroupTable table, Column[] keys, Column[] evaluated, int rows, int[] groupIds, out int kept)
    {
        kept = 0;
        if (keep.Length < rows) keep = new int[rows];
        bool deeper = CanSpill;
        for (int r = 0; r < rows; r++)
        {
            int h = table.Hash(keys, r);
            int g = table.Find(keys, r, h);
            if (g < 0 && !deeper) g = table.FindOrAdd(keys, r);
            if (g >= 0)
            {
                groupIds[kept] = g;
                keep[kept++] = r;
            }
            else
            {
                partitioner.Add(evaluated, r, h);
            }
        }
        if (kept == rows) return evaluated;
        for (int j = 0; j < evaluated.Length; j++) ColumnGather.Gather(evaluated[j], keep, kept, compact[j], ops[j]);
        return compact;
    }

    public void Finish()
    {
        foreach (var f in partitioner.Finish())
        {
            if (f is not null) pending.Enqueue(f);
        }
    }

    /// <summary>The next batch of the partitions' groups, or null when every partition is done.</summary>
    public RecordBatch? Next(CancellationToken cancellation)
    {
        while (true)
        {
            if (current is null)
            {
                if (!pending.TryDequeue(out var file)) return null;
                current = new HashAggregateStream(Nested, new SpillFileSource(file, node.EvaluatedTypes), context, level + 1);
            }
            if (current.Next(cancellation) is { } b) return b;
            current = null;
        }
    }

    private HashAggregateNode Nested => nested ??= new HashAggregateNode(
        new SpilledRowsNode(node.EvaluatedTypes), node.Plan, null, node.EvaluatedTypes, node.ArgColumn, node.FilterColumn,
        node.Accumulators, [.. Enumerable.Range(0, node.EvaluatedTypes.Count)])
    {
        ExtraArgColumns = node.ExtraArgColumns,
        RunsFor = node.RunsFor ?? node,
    };

    private HashAggregateNode? nested;

    /// <summary>Stands for a partition's rows in the nested node (never opened: the stream reads the file itself).</summary>
    private sealed class SpilledRowsNode(IReadOnlyList<Types.PgType> types)
        : OperatorNode([.. types.Select((t, i) => new OutputColumn($"spilled{i}", t))])
    {
        public override IReadOnlyList<OperatorNode> Children => [];

        public override string Describe() => "Spilled rows";

        public override IBatchSource Open(ExecutionContext context) => throw new InvalidOperationException("spilled rows are read by the aggregate itself");
    }
}
