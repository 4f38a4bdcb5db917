using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Join;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// The spilling side of a <see cref="HashJoinStream"/> that cannot partition: a join without
/// equi-keys (nested-loop-like: cross joins, non-equi conditions), or a grace partition at
/// <see cref="GraceHashJoin.MaxLevel"/> that still does not fit (deep skew: many rows of one key).
/// Block nested loop: the build rows loaded before the budget ran out are the first block; the rest
/// of the build input goes to a file, read back later a block (as much as fits the budget) at a
/// time. The first pass over the probe input joins it with the first block and copies it to a
/// file; each further block is joined with the probe file read again from its start.
/// <para>
/// Each block's unmatched (BuildOuter, Full, BuildAnti) or matched (BuildSemi) build rows are known
/// once every probe row has met it, so they follow that block's pass. A probe row's match may come
/// from any block: for the joins that keep probe rows (ProbeOuter, Full, Semi, Anti, NOT IN) one
/// bit per probe row carries "matched" from pass to pass, and the last pass decides each probe
/// batch as the in-memory join does. Pairs come block by block, so their order differs from the
/// in-memory join's (as the order of a PostgreSQL nested loop over a different inner does).
/// </para>
/// </summary>
internal sealed class BlockNestedLoop
{
    private readonly HashJoinNode node;
    private readonly ExecutionContext context;
    private readonly SpillFile buildFile;
    private readonly Column[] buildStaging;
    private readonly ColumnOps[] buildOps;
    private readonly Column[] pending;
    private int pendingRows = -1;
    private SpillFile? probeFile;
    private Column[]? probeStaging;
    private ColumnOps[]? probeOps;
    private ulong[] probeBits = [];
    private long ordinal;

    public BlockNestedLoop(HashJoinNode node, ExecutionContext context)
    {
        this.node = node;
        this.context = context;
        buildFile = context.Spill.Create(new(SpillOperator.BlockNestedLoop, node));
        context.Spill.CountBlockNestedLoop();
        buildStaging = [.. node.Build.OutputTypes.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows))];
        buildOps = [.. node.Build.OutputTypes.Select(ColumnOps.For)];
        pending = [.. node.Build.OutputTypes.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows))];
        TracksProbeRows = node.Plan.Kind is HashJoinKind.ProbeOuter or HashJoinKind.Full or HashJoinKind.Semi or HashJoinKind.Anti or HashJoinKind.NullAwareAnti;
    }

    /// <summary>
    /// Whether a join over the budget that cannot (or can no longer) partition may run as a block
    /// nested loop: all but a keyless NOT IN at the top level, whose NULL handling needs the whole
    /// build side (it has keys in practice; grace partitions below the top have no NULL build key).
    /// </summary>
    public static bool CanSpill(PhysicalHashJoin plan, int level) => plan.Kind != HashJoinKind.NullAwareAnti || level > 0;

    /// <summary>Whether a probe row's match is carried between passes (the join keeps probe rows).</summary>
    public bool TracksProbeRows { get; }

    /// <summary>Whether another block of build rows remains after the current one.</summary>
    public bool HasMore => pendingRows > 0;

    /// <summary>Writes the rest of the build input (after the first block) to the build file.</summary>
    public void SpillRest(IBatchSource rest, CancellationToken cancellation)
    {
        while (rest.Next(cancellation) is { } b)
        {
            cancellation.ThrowIfCancellationRequested();
            Write(buildFile, b, buildStaging, buildOps);
        }
        pendingRows = ReadBlock(buildFile, pending);
    }

    private static void Write(SpillFile file, RecordBatch b, Column[] staging, ColumnOps[] ops)
    {
        int live = b.LiveRows;
        if (live == 0) return;
        for (int j = 0; j < staging.Length; j++) ColumnGather.Gather(b.Columns[j], b.Selection, 0, live, staging[j], ops[j]);
        file.Write(staging, live);
    }

    private static int ReadBlock(SpillFile file, Column[] into)
    {
        int rows;
        do rows = file.Read(into);
        while (rows == 0);
        return rows;
    }

    /// <summary>The next block of build rows (as much as fits the budget, at least one batch), or null when none is left.</summary>
    public JoinHashTable? NextBlock(CancellationToken cancellation)
    {
        if (pendingRows <= 0)
        {
            buildFile.Dispose();
            return null;
        }
        var plan = node.Plan;
        var table = new JoinHashTable([.. plan.Build.Output.Select(c => c.Type)], [.. plan.BuildKeys.Select(k => k.Type)], [.. plan.ProbeKeys.Select(k => k.Type)]);
        var keys = plan.BuildKeys.Select(k => PgArrowMapping.CreateColumn(k.Type, ExecutionContext.BatchRows)).ToArray();
        var batch = new RecordBatch(pending, 0);
        do
        {
            cancellation.ThrowIfCancellationRequested();
            batch.Length = pendingRows;
            if (node.BuildKeyKernel is { } kernel) ProjectStream.Run(kernel, batch, keys, context);
            table.Append(batch, keys);
            pendingRows = ReadBlock(buildFile, pending);
        }
        while (pendingRows > 0 && ColumnMemory.Bytes(table.Rows) + ColumnMemory.Bytes(table.Keys) + 8L * table.Count <= context.Spill.BudgetBytes);
        table.Seal();
        if (pendingRows <= 0) buildFile.Dispose();
        return table;
    }

    /// <summary>Starts a pass over the probe rows: the first reads the probe input and copies it to a file, later ones read that file again.</summary>
    public IBatchSource ProbePass(IBatchSource? input)
    {
        ordinal = 0;
        if (input is not null)
        {
            probeFile = context.Spill.Create(new(SpillOperator.BlockNestedLoop, node));
            probeStaging = [.. node.Probe.OutputTypes.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows))];
            probeOps = [.. node.Probe.OutputTypes.Select(ColumnOps.For)];
            return new Copying(this, input);
        }
        probeFile!.Rewind();
        return new SpillFileSource(probeFile, node.Probe.OutputTypes, deleteAtEnd: false);
    }

    /// <summary>The probe file is no longer needed (after the last pass).</summary>
    public void Finish()
    {
        probeFile?.Dispose();
        buildFile.Dispose();
    }

    /// <summary>Sets matched[0..live) from the bits of the next <paramref name="live"/> probe rows of this pass (matches of earlier blocks).</summary>
    public void Restore(bool[] matched, int live)
    {
        if (!TracksProbeRows) return;
        for (int k = 0; k < live; k++)
        {
            long i = ordinal + k;
            int w = (int)(i >> 6);
            matched[k] = w < probeBits.Length && (probeBits[w] & (1UL << (int)(i & 63))) != 0;
        }
    }

    /// <summary>Records matched[0..live) for the next <paramref name="live"/> probe rows and moves past them.</summary>
    public void Save(bool[] matched, int live)
    {
        if (TracksProbeRows)
        {
            long end = ordinal + live;
            int words = (int)((end + 63) >> 6);
            if (words > probeBits.Length) Array.Resize(ref probeBits, Math.Max(words, probeBits.Length * 2));
            for (int k = 0; k < live; k++)
            {
                if (!matched[k]) continue;
                long i = ordinal + k;
                probeBits[(int)(i >> 6)] |= 1UL << (int)(i & 63);
            }
        }
        ordinal += live;
    }

    /// <summary>The probe input, each batch copied to the probe file as it passes.</summary>
    private sealed class Copying(BlockNestedLoop owner, IBatchSource input) : IBatchSource
    {
        public RecordBatch? Next(CancellationToken cancellation)
        {
            var b = input.Next(cancellation);
            if (b is not null) Write(owner.probeFile!, b, owner.probeStaging!, owner.probeOps!);
            return b;
        }
    }
}
