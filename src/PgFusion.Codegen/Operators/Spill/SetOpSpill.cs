using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Aggregates;
using PgFusion.Codegen.Operators.SetOps;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// The spilling side of <see cref="HashSetOpStream"/> (INTERSECT, EXCEPT): once the table of
/// distinct rows is over budget it is frozen; a row of either input that it holds is counted, any
/// other row goes to that input's hash partition. Equal rows share a partition on both sides, so
/// after the in-memory rows are emitted each pair of partitions is a smaller set operation of its
/// own (a nested stream reading the projected rows directly), which may partition again.
/// </summary>
internal sealed class SetOpSpill
{
    public const int MaxLevel = 6;
    private readonly HashSetOpNode node;
    private readonly ExecutionContext context;
    private readonly int level;
    private readonly HashPartitioner leftParts;
    private readonly HashPartitioner rightParts;
    private readonly Queue<(SpillFile? Left, SpillFile? Right)> pending = [];
    private HashSetOpStream? current;

    public SetOpSpill(HashSetOpNode node, ExecutionContext context, int level)
    {
        this.node = node;
        this.context = context;
        this.level = level;
        leftParts = new HashPartitioner(node.OutputTypes, level, context, new(SpillOperator.SetOp, node));
        rightParts = new HashPartitioner(node.OutputTypes, level, context, new(SpillOperator.SetOp, node));
    }

    public static bool CanSpill(int level) => level < MaxLevel;

    /// <summary>What the budget counts of a set operation's table: its keys, and 32 bytes per group (hash slot, both counts).</summary>
    public static long Bytes(GroupTable table) => ColumnMemory.Bytes(table.Keys) + 32L * table.Count;

    /// <summary>Group ids of the rows the table holds, compacted into <paramref name="groupIds"/>; the others go to a partition.</summary>
    public int Route(GroupTable table, Column[] keys, int rows, int[] groupIds, bool right)
    {
        var parts = right ? rightParts : leftParts;
        int kept = 0;
        for (int r = 0; r < rows; r++)
        {
            int h = table.Hash(keys, r);
            int g = table.Find(keys, r, h);
            if (g >= 0) groupIds[kept++] = g;
            else parts.Add(keys, r, h);
        }
        return kept;
    }

    public void Finish()
    {
        var l = leftParts.Finish();
        var r = rightParts.Finish();
        for (int p = 0; p < HashPartitioner.Fanout; p++)
        {
            if (l[p] is not null || r[p] is not null) pending.Enqueue((l[p], r[p]));
        }
    }

    /// <summary>The next batch of the partitions' rows, or null when every partition is done.</summary>
    public RecordBatch? Next(CancellationToken cancellation)
    {
        while (true)
        {
            if (current is null)
            {
                if (!pending.TryDequeue(out var pair)) return null;
                IBatchSource left = pair.Left is { } lf ? new SpillFileSource(lf, node.OutputTypes) : new EmptySource();
                IBatchSource right = pair.Right is { } rf ? new SpillFileSource(rf, node.OutputTypes) : new EmptySource();
                current = new HashSetOpStream(node, left, right, context, level + 1, projected: true);
            }
            if (current.Next(cancellation) is { } b) return b;
            current = null;
        }
    }

    private sealed class EmptySource : IBatchSource
    {
        public RecordBatch? Next(CancellationToken cancellation) => null;
    }
}
