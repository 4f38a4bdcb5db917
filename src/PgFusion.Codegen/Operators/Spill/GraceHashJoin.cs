using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Join;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// The spilling side of <see cref="HashJoinStream"/> (grace hash join): once the build rows exceed
/// the memory budget, the rows loaded so far and the rest of the build input are written to
/// <see cref="HashPartitioner.Fanout"/> partitions by the hash of their join keys, then the whole
/// probe input likewise; each pair of partitions is then joined by a nested stream over the same
/// node, which may partition again one level deeper. Equal keys hash alike on both sides (integer
/// keys are widened to int8 first, so int4 = int8 keys meet), and a row with a NULL key, which
/// matches nothing, lands in partition of hash 0, where outer and anti joins still emit it.
/// NOT IN (null-aware anti join) spills too: the build side is partitioned whole first, noting
/// whether any build row has a NULL key. If one has, no probe row can qualify and the probe input
/// is not read (as the in-memory join returns at once); otherwise probe rows with a NULL key are
/// dropped (NOT IN over a non-empty set without NULLs is not true for them) and every partition
/// pair is again a NOT IN whose build side holds no NULL key, an empty one keeping its probe rows.
/// </summary>
internal sealed class GraceHashJoin
{
    public const int MaxLevel = 4;
    private readonly HashJoinNode node;
    private readonly ExecutionContext context;
    private readonly int level;
    private readonly HashPartitioner buildParts;
    private readonly HashPartitioner probeParts;
    private readonly Side build;
    private readonly Side probe;
    private SpillFile?[] buildFiles = [];

    public GraceHashJoin(HashJoinNode node, ExecutionContext context, int level)
    {
        this.node = node;
        this.context = context;
        this.level = level;
        buildParts = new HashPartitioner(node.Build.OutputTypes, level, context, new(SpillOperator.HashJoin, node));
        probeParts = new HashPartitioner(node.Probe.OutputTypes, level, context, new(SpillOperator.HashJoin, node));
        build = new Side(node.BuildKeyKernel!, [.. node.Plan.BuildKeys.Select(k => k.Type)]);
        probe = new Side(node.ProbeKeyKernel!, [.. node.Plan.ProbeKeys.Select(k => k.Type)]);
    }

    /// <summary>One input's key kernel, key types, hash operations and key buffer.</summary>
    private sealed class Side(Kernel<ProjectKernel> kernel, PgType[] types)
    {
        public Kernel<ProjectKernel> Kernel { get; } = kernel;

        public PgType[] Types { get; } = types;

        public ColumnOps[] Ops { get; } = [.. types.Select(ColumnOps.For)];

        public Column[] Keys { get; } = [.. types.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows))];
    }

    public static bool CanSpill(PhysicalHashJoin plan, int level) =>
        level < MaxLevel && plan.BuildKeys.Count > 0;

    /// <summary>Whether a build row had a NULL join key (NOT IN: then no probe row qualifies).</summary>
    private bool buildHasNullKey;

    /// <summary>Partitions the build rows the table holds, then the rest of the build input.</summary>
    public void PartitionBuild(JoinHashTable table, IBatchSource rest, CancellationToken cancellation)
    {
        var types = node.Build.OutputTypes;
        var chunk = types.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows)).ToArray();
        var batch = new RecordBatch(chunk, 0);
        var sel = new int[ExecutionContext.BatchRows];
        for (int start = 0; start < table.Count; start += ExecutionContext.BatchRows)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(ExecutionContext.BatchRows, table.Count - start);
            for (int k = 0; k < n; k++) sel[k] = start + k;
            for (int j = 0; j < chunk.Length; j++) ColumnGather.Gather(table.Rows[j], sel, n, chunk[j], table.RowOps[j]);
            batch.Length = n;
            Add(buildParts, batch, build, isProbe: false);
        }
        while (rest.Next(cancellation) is { } b)
        {
            cancellation.ThrowIfCancellationRequested();
            Add(buildParts, b, build, isProbe: false);
        }
        buildFiles = buildParts.Finish();
    }

    /// <summary>Partitions the probe input, then joins partition by partition.</summary>
    public IEnumerable<RecordBatch> Run(IBatchSource probeInput, CancellationToken cancellation)
    {
        if (node.Plan.Kind == HashJoinKind.NullAwareAnti && buildHasNullKey)
        {
            // x NOT IN (a set holding NULL) is never true: nothing to emit, the probe input stays unread.
            foreach (var f in buildFiles) f?.Dispose();
            yield break;
        }
        while (probeInput.Next(cancellation) is { } b)
        {
            cancellation.ThrowIfCancellationRequested();
            Add(probeParts, b, probe, isProbe: true);
        }
        var probeFiles = probeParts.Finish();
        for (int p = 0; p < HashPartitioner.Fanout; p++)
        {
            if (buildFiles[p] is null && probeFiles[p] is null) continue;
            IBatchSource probeSource = probeFiles[p] is { } pf ? new SpillFileSource(pf, node.Probe.OutputTypes) : new EmptySource();
            IBatchSource buildSource = buildFiles[p] is { } bf ? new SpillFileSource(bf, node.Build.OutputTypes) : new EmptySource();
            var nested = new HashJoinStream(node, context, level + 1, probeSource, buildSource);
            while (nested.Next(cancellation) is { } r) yield return r;
            buildFiles[p]?.Dispose();
            probeFiles[p]?.Dispose();
        }
    }

    private void Add(HashPartitioner into, RecordBatch batch, Side side, bool isProbe)
    {
        int live = batch.LiveRows;
        if (live == 0) return;
        ProjectStream.Run(side.Kernel, batch, side.Keys, context);
        var columns = batch.Columns as Column[] ?? [.. batch.Columns];
        bool notIn = node.Plan.Kind == HashJoinKind.NullAwareAnti;
        for (int k = 0; k < live; k++)
        {
            int row = batch.Selection is { } s ? s[k] : k;
            if (notIn && JoinHashTable.AnyNull(side.Keys, k))
            {
                // NOT IN: a NULL build key empties the result (Run); a NULL probe key over a non-empty set without NULLs is not true.
                if (isProbe) continue;
                buildHasNullKey = true;
            }
            into.Add(columns, row, KeyHash(side.Keys, k, side.Types, side.Ops));
        }
    }

    /// <summary>The hash both sides agree on: NULL in any key = 0, integers as int8, others by their type's hash.</summary>
    private static int KeyHash(Column[] keys, int row, PgType[] types, ColumnOps[] ops)
    {
        int h = 17;
        for (int j = 0; j < keys.Length; j++)
        {
            if (keys[j].IsNull(row)) return 0;
            int kh = JoinHashTable.IsIntegerType(types[j]) ? Widened(keys[j], row).GetHashCode() : ops[j].Hash(keys[j], row);
            h = h * 31 + kh;
        }
        return h;
    }

    private static long Widened(Column c, int row) => c switch
    {
        PrimitiveColumn<short> s => s.Values[row],
        PrimitiveColumn<int> i => i.Values[row],
        PrimitiveColumn<long> l => l.Values[row],
        _ => throw new InvalidOperationException($"integer join key in a {c.GetType().Name}"),
    };

    private sealed class EmptySource : IBatchSource
    {
        public RecordBatch? Next(CancellationToken cancellation) => null;
    }
}
