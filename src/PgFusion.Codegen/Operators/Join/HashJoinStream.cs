using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Join;

/// <summary>
/// Runtime of <see cref="HashJoinNode"/>: loads the whole build input, then streams probe batches.
/// Candidate pairs (equal non-null keys; every build row when there are no keys) are gathered into
/// pair rows of at most <see cref="ExecutionContext.BatchRows"/>, filtered by the residual, and
/// either emitted (inner and outer joins) or only recorded as matches (semi and anti joins, which
/// emit the probe batch itself under a selection vector). Unmatched probe rows of an outer join
/// follow their batch; unmatched build rows come after the probe input ends. Semi and anti joins
/// that build their left (kept) input (BuildSemi, BuildAnti) only mark build rows as matched while
/// probing, then emit the matched or the unmatched build rows after the probe input ends.
/// </summary>
internal sealed class HashJoinStream : IBatchSource
{
    private readonly HashJoinNode node;
    private readonly ExecutionContext context;
    private readonly PhysicalHashJoin plan;
    private readonly HashJoinKind kind;
    private IEnumerator<RecordBatch>? run;

    // Pair rows: output columns (inner/outer) or the pair layout (semi/anti with a residual).
    private Column[] pairs = [];
    private ColumnOps[] pairOps = [];
    private RecordBatch? pairBatch;
    private readonly int[] pairProbe = new int[ExecutionContext.BatchRows];
    private readonly int[] pairBuild = new int[ExecutionContext.BatchRows];
    private readonly int[] pairProbeRow = new int[ExecutionContext.BatchRows];
    private int[] selection = new int[ExecutionContext.BatchRows];
    private int pairCount;

    // An outer join's probe rows in PostgreSQL's order (see FlushInOrder): the probe rows of the
    // batch below it have had their NULL-extended row emitted if they needed one; the output rows
    // where a NULL-extended row goes between pairs.
    private int unmatchedCursor;
    private Column[] ordered = [];
    private RecordBatch? orderedBatch;

    // Integer-key probe: keys widened to long, each probe row's entry range, and the resumable cursor.
    private long[] probeLongs = [];
    private int[] probeStarts = [];
    private int[] probeEnds = [];
    private int probeK;
    private int probeE;

    // Grace hash join (Spill/GraceHashJoin): the recursion level, the partitions' inputs, and the
    // partitioner once the build side went over the memory budget.
    private readonly int level;
    private readonly IBatchSource? probeSource;
    private readonly IBatchSource? buildSource;
    private Spill.GraceHashJoin? grace;

    // Block nested loop (Spill/BlockNestedLoop): a join that cannot partition (no equi-keys, or a
    // grace partition at the last level) whose build side went over the budget; its first block.
    private Spill.BlockNestedLoop? blocks;
    private JoinHashTable? firstBlock;

    // A table built before the probe input opens: by this stream (LoadBuild), or once for every
    // thread of a parallel pipeline (read-only from then on: the probe only reads it).
    private JoinHashTable? loaded;

    // What the build table this stream loaded holds (rows, keys, 8 bytes per row of index), for the
    // execution's memory tracker; back to 0 once the table is let go (partitioned, or joined).
    private Spill.MemoryGauge? buildGauge;

    // A thread of a parallel BuildSemi/BuildAnti probe: the match flags every thread sets (each
    // only ever sets a flag, and the threads are joined before the flags are read).
    private bool[]? sharedMatched;

    public HashJoinStream(HashJoinNode node, ExecutionContext context, int level = 0, IBatchSource? probeSource = null, IBatchSource? buildSource = null,
        JoinHashTable? prebuilt = null)
    {
        loaded = prebuilt;
        this.level = level;
        this.probeSource = probeSource;
        this.buildSource = buildSource;
        this.node = node;
        this.context = context;
        plan = node.Plan;
        kind = plan.Kind;
    }

    public RecordBatch? Next(CancellationToken cancellation)
    {
        run ??= Run(cancellation).GetEnumerator();
        return run.MoveNext() ? run.Current : null;
    }

    private bool EmitsPairs => kind is HashJoinKind.Inner or HashJoinKind.ProbeOuter or HashJoinKind.BuildOuter or HashJoinKind.Full;

    /// <summary>
    /// Reads the whole build input now, before the probe input opens; the table it built, or null
    /// when the build went over the memory budget (this stream then runs as a grace hash join or a
    /// block nested loop).
    /// </summary>
    internal JoinHashTable? LoadBuild(CancellationToken cancellation)
    {
        loaded ??= Load(cancellation);
        return grace is null && blocks is null ? loaded : null;
    }

    /// <summary>
    /// A semi or anti join without keys or residual: an uncorrelated [NOT] EXISTS, which PostgreSQL
    /// runs as an InitPlan in a gating one-time filter. The sub-query runs first, up to its first
    /// row; when the gate is shut no row of the kept input is read (or evaluated), else every row
    /// passes through.
    /// </summary>
    private bool IsGate => IsGateJoin(plan);

    internal static bool IsGateJoin(PhysicalHashJoin join) =>
        join.Kind is HashJoinKind.Semi or HashJoinKind.Anti && join.BuildKeys.Count == 0 && join.Residual is null;

    private IEnumerable<RecordBatch> Gate(CancellationToken cancellation)
    {
        bool any = false;
        var build = buildSource ?? node.Build.Open(context);
        while (!any && build.Next(cancellation) is { } b) any = b.LiveRows > 0;
        if (any != (kind == HashJoinKind.Semi)) yield break;
        var probe = probeSource ?? node.Probe.Open(context);
        while (probe.Next(cancellation) is { } batch) yield return batch;
    }

    /// <summary>
    /// Whether the probe input is read up to its first row before the build input, as
    /// PostgreSQL's ExecHashJoin does (nodeHashjoin.c, HJ_BUILD_HASHTABLE) for a join that does not
    /// fill its inner side: always when it fills the outer side (left and anti joins), and for
    /// inner and semi joins when the outer plan's startup cost is below the Hash node's total cost,
    /// which holds for a scan with quals and projections (startup cost 0) and is not assumed for
    /// an outer input that must first sort, aggregate or build. If the outer input is empty the
    /// hash table is never built. Full and right (BuildOuter) joins, and the BuildSemi/BuildAnti
    /// forms PostgreSQL 15 has no hash join for, build first.
    /// </summary>
    /// <remarks>
    /// The Hash node costs what its input costs (create_hashjoin_plan copies the inner plan's
    /// costs): a scan of a relation that is empty and was analyzed or vacuumed (relpages 0,
    /// reltuples not -1: table_block_relation_estimate_size applies its 10-page floor only to a
    /// never-vacuumed relation) costs 0, and a scan's startup cost 0 is not below 0, so over such
    /// a build input PostgreSQL builds first, finds the table empty and never reads the outer
    /// input (seed 271 case 4675: the outer scan's qual overflowed on a row PostgreSQL never read).
    /// Only for a join with hash keys: without an equality PostgreSQL has only a nested loop, which
    /// reads its outer input first whatever that input costs (empty_relation_read_first_in_from_order.slt).
    /// </remarks>
    internal static bool ReadsProbeFirst(HashJoinNode node) => !node.Plan.BuildFirst && node.Plan.Kind switch
    {
        HashJoinKind.ProbeOuter or HashJoinKind.Anti => true,
        HashJoinKind.Inner or HashJoinKind.Semi => IsNestedLoop(node.Plan)
            || StartsWithoutWork(node.Probe) && !CostsNothing(node.Build),
        _ => false,
    };

    /// <summary>
    /// An inner or semi join without hash keys, which PostgreSQL can only run as a nested loop
    /// (hash and merge joins need an equality). ExecNestLoop fetches every outer row and rescans
    /// the inner input for each: it has no shortcut for an empty inner input, so the outer
    /// input's quals are evaluated on every row even when no row can join (seed 311 case 3789:
    /// `t2 CROSS JOIN t1 WHERE (- t2.c4)::int4 IS NOT NULL` with t1 empty raises on t2's second row).
    /// A hash join with keys ends at an empty hash table instead (ExecHashJoin's
    /// HJ_BUILD_HASHTABLE returns when the table is empty and the outer side is not kept). Not a
    /// gated join (<see cref="PhysicalHashJoin.BuildFirst"/>): that one is PostgreSQL's One-Time
    /// Filter over an InitPlan, and a shut gate reads no row of the scan below it. A join with keys
    /// whose build side is a LATERAL sub-query is such a nested loop too
    /// (<see cref="PhysicalHashJoin.NestLoopInner"/>, seed 515 case 3490).
    /// </summary>
    private static bool IsNestedLoop(PhysicalHashJoin join) =>
        join.Kind is HashJoinKind.Inner or HashJoinKind.Semi && (join.BuildKeys.Count == 0 || join.NestLoopInner) && !join.BuildFirst;

    /// <summary>
    /// Whether PostgreSQL's serial hash join meets this join's inputs in an order a parallel
    /// pipeline (which builds every table first and then reads the whole probe scan) would not
    /// keep: it reads the probe input first, or it builds an empty table first and then reads no
    /// probe row.
    /// </summary>
    internal static bool OrdersInputs(HashJoinNode node) => ReadsProbeFirst(node)
        || !node.Plan.BuildFirst && node.Plan.Kind is HashJoinKind.Inner or HashJoinKind.Semi && StartsWithoutWork(node.Probe);

    /// <summary>Whether <paramref name="n"/> is a scan (under quals and projections) of a relation the planner knows to be empty: its plan costs 0.</summary>
    private static bool CostsNothing(OperatorNode n) => n switch
    {
        ScanNode s => s.Scan.Relation.RelPages == 0 && s.Scan.Relation.RelTuples >= 0,
        FilterNode f => CostsNothing(f.Input),
        ProjectNode p => CostsNothing(p.Input),
        _ => false,
    };

    private static bool StartsWithoutWork(OperatorNode n) => n switch
    {
        ScanNode => true,
        FilterNode f => StartsWithoutWork(f.Input),
        ProjectNode p => StartsWithoutWork(p.Input),
        _ => false,
    };

    private IEnumerable<RecordBatch> Run(CancellationToken cancellation)
    {
        if (IsGate)
        {
            foreach (var b in Gate(cancellation)) yield return b;
            yield break;
        }
        IBatchSource? probe = null;
        if (loaded is null && level == 0 && ReadsProbeFirst(node))
        {
            // PostgreSQL's hash join fetches the first outer row before it builds the hash table
            // (see ReadsProbeFirst): that row's quals are evaluated before any build row's, and an
            // empty outer input never reads the build input.
            probe = probeSource ?? node.Probe.Open(context);
            RecordBatch? first = null;
            while (first is null && probe.Next(cancellation) is { } b)
                if (b.LiveRows > 0) first = b;
            if (first is null) yield break;
            probe = new Prepended(first, probe);
        }
        var table = loaded ?? Load(cancellation);
        loaded = null;
        if (grace is not null)
        {
            // its rows are in the partitions now: let them go before the nested joins build theirs
            table = null!;
            foreach (var b in grace.Run(probe ?? probeSource ?? node.Probe.Open(context), cancellation)) yield return b;
            yield break;
        }
        if (blocks is not null)
        {
            firstBlock = table;
            table = null!;
            foreach (var b in RunBlocks(probe ?? probeSource ?? node.Probe.Open(context), cancellation)) yield return b;
            yield break;
        }
        foreach (var b in Join(table, probe, null, true, cancellation)) yield return b;
        buildGauge?.Set(0);
    }

    /// <summary>
    /// Reads <paramref name="probe"/> to its end and drops its rows: a nested loop over an empty
    /// inner input still evaluates every outer row (<see cref="IsNestedLoop"/>), and its errors.
    /// </summary>
    private static void ReadToEnd(IBatchSource probe, CancellationToken cancellation)
    {
        while (probe.Next(cancellation) is not null) cancellation.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Block nested loop (<see cref="Spill.BlockNestedLoop"/>): the first block joins the probe
    /// input as it is copied to a file, every further block joins that file; the last pass emits
    /// the probe rows an outer, semi or anti join keeps.
    /// </summary>
    private IEnumerable<RecordBatch> RunBlocks(IBatchSource probeInput, CancellationToken cancellation)
    {
        var bnl = blocks!;
        try
        {
            var block = firstBlock;
            firstBlock = null;
            var pass = bnl.ProbePass(probeInput);
            while (block is not null)
            {
                bool last = !bnl.HasMore;
                foreach (var b in Join(block, pass, bnl, last, cancellation)) yield return b;
                if (last) break;
                block = null;
                block = bnl.NextBlock(cancellation);
                pass = bnl.ProbePass(null);
            }
        }
        finally
        {
            bnl.Finish();
            buildGauge?.Set(0);
        }
    }

    /// <summary>
    /// Joins the probe input with one table: all of the build side, or one block of it
    /// (<paramref name="bnl"/>; the probe rows' matches of other blocks restored and saved around
    /// each batch, and the probe rows the join keeps emitted only in the <paramref name="lastBlock"/>'s pass).
    /// </summary>
    private IEnumerable<RecordBatch> Join(JoinHashTable table, IBatchSource? probe, Spill.BlockNestedLoop? bnl, bool lastBlock, CancellationToken cancellation)
    {
        bool probeOuter = kind is HashJoinKind.ProbeOuter or HashJoinKind.Full or HashJoinKind.Anti or HashJoinKind.NullAwareAnti;
        if (table.Count == 0 && !probeOuter)
        {
            if (IsNestedLoop(plan)) ReadToEnd(probe ?? probeSource ?? node.Probe.Open(context), cancellation);
            yield break;
        }
        if (kind == HashJoinKind.NullAwareAnti && table.HasNullKey) yield break;

        var pairTypes = plan.PairColumns;
        pairs = pairTypes.Select(c => PgArrowMapping.CreateColumn(c.Type, ExecutionContext.BatchRows)).ToArray();
        pairOps = pairTypes.Select(c => ColumnOps.For(c.Type)).ToArray();
        pairBatch = new RecordBatch(pairs, 0);
        bool[]? buildMatched = sharedMatched ?? (kind is HashJoinKind.BuildOuter or HashJoinKind.Full or HashJoinKind.BuildSemi or HashJoinKind.BuildAnti
            ? new bool[table.Count] : null);
        if (kind is HashJoinKind.BuildSemi or HashJoinKind.BuildAnti && sharedMatched is null && bnl is null && MarkInParallel(table, buildMatched!, cancellation))
        {
            foreach (var b in EmitBuildRows(table, buildMatched!, kind == HashJoinKind.BuildSemi)) yield return b;
            yield break;
        }
        // Semi/anti joins that build their kept input, without a residual: every match marks its build row, no pairs.
        bool markBuild = kind is HashJoinKind.BuildSemi or HashJoinKind.BuildAnti && plan.Residual is null;
        var probeKeys = plan.ProbeKeys.Select(k => PgArrowMapping.CreateColumn(k.Type, ExecutionContext.BatchRows)).ToArray();
        Column[]? directKeys = plan.ProbeKeys.Count > 0 && plan.ProbeKeys.All(k => k is BoundColumnRef) ? new Column[plan.ProbeKeys.Count] : null;
        bool[] probeMatched = new bool[ExecutionContext.BatchRows];
        probe ??= probeSource ?? node.Probe.Open(context);
        bool needPairs = EmitsPairs || plan.Residual is not null;
        // build rows not yet matched (BuildSemi without residual stops at 0); a thread of a parallel
        // probe cannot count them (another thread may mark the same row), and reads to the end
        int remaining = sharedMatched is null ? table.Count : int.MaxValue;

        PgFusionException? pendingProbeError = null;
        while (probe.Next(cancellation) is { } next)
        {
            cancellation.ThrowIfCancellationRequested();
            var batch = next;
            int live = batch.LiveRows;
            if (live == 0) continue;
            if (probeMatched.Length < live) probeMatched = new bool[live];
            Array.Clear(probeMatched, 0, live);
            bnl?.Restore(probeMatched, live);
            unmatchedCursor = 0;
            if (table.Count == 0)
            {
                // NOT IN and NOT EXISTS over nothing keep every row; outer joins NULL-extend every row.
                if (EmitsPairs) foreach (var b in EmitUnmatchedProbe(batch, probeMatched, live)) yield return b;
                else yield return batch;
                continue;
            }
            // Plain column keys of an unfiltered batch are read in place; otherwise the key kernel compacts them.
            Column[] keysOfBatch = probeKeys;
            if (directKeys is not null && batch.Selection is null)
            {
                for (int j = 0; j < directKeys.Length; j++) directKeys[j] = batch.Columns[((BoundColumnRef)plan.ProbeKeys[j]).Index];
                keysOfBatch = directKeys;
            }
            else if (node.ProbeKeyKernel is { } keyKernel)
            {
                try
                {
                    ProjectStream.Run(keyKernel, batch, probeKeys, context);
                }
                catch (PgFusionException raised) when (live > 1)
                {
                    // PostgreSQL hashes an outer row's keys when it probes with that row: the rows
                    // before the first raising one are joined (and go up) before its error.
                    batch = RowOrder.PrefixBeforeError(batch, p =>
                    {
                        ProjectStream.Run(keyKernel, p, probeKeys, context);
                        return 0;
                    }, raised, out var first, out _) ?? throw first;
                    pendingProbeError = first;
                    live = batch.LiveRows;
                }
            }
            if (table.IsIntegerKey)
            {
                PrepareIntegerProbe(table, keysOfBatch, live);
                if (markBuild) remaining -= MarkBuildInteger(table, live, buildMatched!);
                else
                {
                    while (ProbeInteger(table, live, probeMatched, needPairs))
                        foreach (var full in FlushInOrder(batch, table, probeMatched, buildMatched, pairProbe[pairCount - 1], bnl)) yield return full;
                }
            }
            for (int k = 0; k < live && !table.IsIntegerKey; k++)
            {
                if (!table.HasKeys)
                {
                    if (!needPairs)
                    {
                        probeMatched[k] = true;
                        continue;
                    }
                    for (int r = 0; r < table.Count; r++)
                    {
                        if (AddPair(k, r))
                            foreach (var full in FlushInOrder(batch, table, probeMatched, buildMatched, k, bnl)) yield return full;
                    }
                    continue;
                }
                if (JoinHashTable.AnyNull(keysOfBatch, k)) continue;
                int h = table.Hash(keysOfBatch, k);
                for (int r = table.First(h); r >= 0; r = table.Next(r))
                {
                    if (!table.Matches(r, h, keysOfBatch, k)) continue;
                    if (markBuild)
                    {
                        if (!buildMatched![r]) remaining--;
                        buildMatched[r] = true;
                        continue;
                    }
                    if (!needPairs)
                    {
                        probeMatched[k] = true;
                        break;
                    }
                    if (AddPair(k, r))
                        foreach (var full in FlushInOrder(batch, table, probeMatched, buildMatched, k, bnl)) yield return full;
                }
            }
            if (pairCount > 0)
                foreach (var last in FlushInOrder(batch, table, probeMatched, buildMatched, live, bnl)) yield return last;
            if (bnl is not null)
            {
                // a block's pass: record this batch's matches; only the last block's pass decides the kept probe rows
                bnl.Save(probeMatched, live);
                if (!lastBlock)
                {
                    if (pendingProbeError is { } blockError) throw blockError;
                    continue;
                }
            }
            // every build row has its match: the rest of the probe input changes nothing (a block
            // nested loop's earlier passes read on: the first copies the probe input for the later blocks)
            if (markBuild && remaining == 0 && pendingProbeError is null) break;

            switch (kind)
            {
                case HashJoinKind.ProbeOuter or HashJoinKind.Full:
                    foreach (var b in EmitUnmatchedProbe(batch, probeMatched, live, bnl is null ? unmatchedCursor : 0)) yield return b;
                    break;
                case HashJoinKind.Semi or HashJoinKind.Anti or HashJoinKind.NullAwareAnti:
                    int n = 0;
                    if (selection.Length < live) selection = new int[live];
                    for (int k = 0; k < live; k++)
                    {
                        bool keep = kind == HashJoinKind.Semi ? probeMatched[k]
                            : !probeMatched[k] && (kind == HashJoinKind.Anti || !JoinHashTable.AnyNull(keysOfBatch, k));
                        if (keep) selection[n++] = batch.Selection is { } s ? s[k] : k;
                    }
                    if (n > 0) yield return new RecordBatch(batch.Columns, batch.Length) { Selection = selection, SelectedCount = n };
                    break;
            }
            if (pendingProbeError is { } probeError) throw probeError;
        }

        if (sharedMatched is not null)
            yield break; // a thread of a parallel probe: the calling stream emits the build rows
        if (kind is HashJoinKind.BuildSemi or HashJoinKind.BuildAnti)
        {
            foreach (var b in EmitBuildRows(table, buildMatched!, kind == HashJoinKind.BuildSemi)) yield return b;
        }
        else if (buildMatched is not null)
        {
            foreach (var b in EmitUnmatchedBuild(table, buildMatched)) yield return b;
        }
    }

    /// <summary>
    /// BuildSemi/BuildAnti whose probe input is a parallel pipeline (pg_fusion.worker_threads):
    /// each thread probes its partition of the scan with a stream of its own over the one table,
    /// marking the build rows its probe rows match. False when the probe runs serially (the
    /// pipeline's own joins are then left prepared in the context).
    /// </summary>
    private bool MarkInParallel(JoinHashTable table, bool[] buildMatched, CancellationToken cancellation)
    {
        if (level > 0 || probeSource is not null || !ParallelPipeline.Qualifies(node.Probe, context)) return false;
        if (ParallelPipeline.Open(node.Probe, context, $"{kind} hash join marking build rows") is not { } pipeline) return false;
        var markers = new HashJoinStream[pipeline.Degree];
        for (int i = 0; i < markers.Length; i++)
        {
            var own = pipeline.Partition();
            markers[i] = new HashJoinStream(node, own, probeSource: node.Probe.Open(own), prebuilt: table) { sharedMatched = buildMatched };
        }
        pipeline.Run(i =>
        {
            if (markers[i].Next(cancellation) is not null)
                throw new InvalidOperationException($"a parallel {kind} probe emitted rows");
        });
        return true;
    }

    /// <summary>
    /// Widens the probe keys of a batch to long and looks up every row's bucket range in one tight
    /// loop (independent loads, so the cache misses overlap); NULL keys get an empty range.
    /// </summary>
    private void PrepareIntegerProbe(JoinHashTable table, Column[] keys, int live)
    {
        if (probeLongs.Length < live)
        {
            probeLongs = new long[live];
            probeStarts = new int[live];
            probeEnds = new int[live];
        }
        JoinHashTable.WidenKeys(keys, live, probeLongs);
        var offsets = table.Offsets;
        int shift = table.Shift;
        var values = probeLongs;
        var starts = probeStarts;
        var ends = probeEnds;
        for (int k = 0; k < live; k++)
        {
            int b = JoinHashTable.BucketOf(values[k], shift);
            starts[k] = offsets[b];
            ends[k] = offsets[b + 1];
        }
        foreach (var key in keys)
        {
            if (key.Validity is not { } v) continue;
            for (int k = 0; k < live; k++)
                if (!v.IsValid(k)) ends[k] = starts[k];
        }
        probeK = 0;
        probeE = live > 0 ? starts[0] : 0;
    }

    /// <summary>
    /// Walks the prepared probe rows from the cursor: marks matched rows, or queues (probe row,
    /// build row) pairs when <paramref name="needPairs"/>. True when the pair buffer is full (flush
    /// and call again); false when the batch is done.
    /// </summary>
    private bool ProbeInteger(JoinHashTable table, int live, bool[] probeMatched, bool needPairs)
    {
        var entries = table.Entries;
        var keys = probeLongs;
        var starts = probeStarts;
        var ends = probeEnds;
        var pp = pairProbe;
        var pb = pairBuild;
        int max = ExecutionContext.BatchRows;
        int n = pairCount;
        int k = probeK, e = probeE;
        while (k < live)
        {
            int end = ends[k];
            long key = keys[k];
            for (; e < end; e++)
            {
                ref readonly var entry = ref entries[e];
                if (entry.Key != key) continue;
                if (!needPairs)
                {
                    probeMatched[k] = true;
                    break;
                }
                pp[n] = k;
                pb[n] = entry.Row;
                if (++n == max)
                {
                    pairCount = n;
                    probeK = k;
                    probeE = e + 1;
                    return true;
                }
            }
            if (++k < live) e = starts[k];
        }
        pairCount = n;
        probeK = k;
        return false;
    }

    /// <summary>
    /// Integer key, semi/anti join building its kept input without a residual: marks every build
    /// row some probe row of the prepared batch matches. Returns how many rows became matched.
    /// </summary>
    private int MarkBuildInteger(JoinHashTable table, int live, bool[] buildMatched)
    {
        var entries = table.Entries;
        var keys = probeLongs;
        var starts = probeStarts;
        var ends = probeEnds;
        int newly = 0;
        for (int k = 0; k < live; k++)
        {
            long key = keys[k];
            for (int e = starts[k], end = ends[k]; e < end; e++)
            {
                ref readonly var entry = ref entries[e];
                if (entry.Key != key || buildMatched[entry.Row]) continue;
                buildMatched[entry.Row] = true;
                newly++;
            }
        }
        return newly;
    }

    /// <summary>The build rows that were matched (<paramref name="matched"/>) or were not, build columns only, in batches.</summary>
    private IEnumerable<RecordBatch> EmitBuildRows(JoinHashTable table, bool[] buildMatched, bool matched)
    {
        var columns = plan.Build.Output.Select(c => PgArrowMapping.CreateColumn(c.Type, ExecutionContext.BatchRows)).ToArray();
        var rows = new int[ExecutionContext.BatchRows];
        int r = 0;
        while (r < table.Count)
        {
            int n = 0;
            for (; r < table.Count && n < rows.Length; r++)
                if (buildMatched[r] == matched) rows[n++] = r;
            if (n == 0) yield break;
            for (int j = 0; j < columns.Length; j++)
            {
                columns[j].Reset();
                JoinGather.Gather(table.Rows[j], rows, n, columns[j], table.RowOps[j]);
            }
            yield return new RecordBatch(columns, n);
        }
    }

    private JoinHashTable Load(CancellationToken cancellation)
    {
        var table = new JoinHashTable(plan.Build.Output.Select(c => c.Type).ToArray(), plan.BuildKeys.Select(k => k.Type).ToArray(),
            plan.ProbeKeys.Select(k => k.Type).ToArray());
        if (node.UnreadOutput is { } unread)
        {
            // build column j is pair column buildStart + j (Flush). The columns the build keys read stay:
            // a grace hash join's partitions key their build rows again from the table's rows.
            int buildStart = plan.BuildIsLeft ? 0 : plan.Probe.Output.Count;
            var keyReads = new bool[plan.Build.Output.Count];
            foreach (var key in plan.BuildKeys)
                foreach (var e in PgFusion.Planner.Logical.TreeNode.Descendants(key))
                    if (e is BoundColumnRef r && r.Index >= 0 && r.Index < keyReads.Length) keyReads[r.Index] = true;
            table.NotCopied = [.. Enumerable.Range(0, plan.Build.Output.Count).Select(j => unread[buildStart + j] && !keyReads[j])];
        }
        var keys = plan.BuildKeys.Select(k => PgArrowMapping.CreateColumn(k.Type, ExecutionContext.BatchRows)).ToArray();
        Column[]? direct = plan.BuildKeys.Count > 0 && plan.BuildKeys.All(k => k is BoundColumnRef) ? new Column[plan.BuildKeys.Count] : null;
        // the build input of the plan (not a grace partition's) may be gathered from several threads, in scan order
        var build = buildSource ?? ParallelGatherStream.Open(node.Build, context, "hash join build input");
        try
        {
            return Load(table, keys, direct, build, cancellation);
        }
        catch
        {
            (build as ParallelGatherStream)?.Abandon();
            throw;
        }
    }

    private JoinHashTable Load(JoinHashTable table, Column[] keys, Column[]? direct, IBatchSource build, CancellationToken cancellation)
    {
        // past the budget: a grace hash join while there are keys and levels left, else a block nested loop
        bool canPartition = Spill.GraceHashJoin.CanSpill(plan, level);
        bool canSpill = context.Spill.Limited && (canPartition || Spill.BlockNestedLoop.CanSpill(plan, level));
        var gauge = buildGauge ??= context.Spill.Gauge(node);
        while (build.Next(cancellation) is { } batch)
        {
            cancellation.ThrowIfCancellationRequested();
            if (batch.LiveRows == 0) continue;
            gauge.Set(Spill.ColumnMemory.Bytes(table.Rows) + Spill.ColumnMemory.Bytes(table.Keys) + 8L * table.Count);
            // the batch is measured before the table takes it in, so the table stays within its limit
            if (canSpill && (canPartition || table.Count > 0)
                && gauge.Bytes + Spill.ColumnMemory.Bytes(batch.Columns) + 8L * batch.LiveRows > context.Spill.TableBudgetBytes)
            {
                if (canPartition)
                {
                    grace = new Spill.GraceHashJoin(node, context, level);
                    grace.PartitionBuild(table, new Prepended(batch, build), cancellation);
                    gauge.Set(0); // its rows are in the partitions; the nested joins gauge their own tables
                    return table;
                }
                blocks = new Spill.BlockNestedLoop(node, context);
                blocks.SpillRest(new Prepended(batch, build), cancellation);
                table.Seal();
                return table;
            }
            if (direct is not null && batch.Selection is null)
            {
                for (int j = 0; j < direct.Length; j++) direct[j] = batch.Columns[((BoundColumnRef)plan.BuildKeys[j]).Index];
                table.Append(batch, direct);
                continue;
            }
            if (node.BuildKeyKernel is not null) ProjectStream.Run(node.BuildKeyKernel, batch, keys, context);
            table.Append(batch, keys);
        }
        table.Seal();
        gauge.Set(Spill.ColumnMemory.Bytes(table.Rows) + Spill.ColumnMemory.Bytes(table.Keys) + 8L * table.Count);
        return table;
    }

    /// <summary>Queues pair (probe row k, build row r); true when the pair buffer is full.</summary>
    private bool AddPair(int k, int r)
    {
        pairProbe[pairCount] = k;
        pairBuild[pairCount] = r;
        return ++pairCount == ExecutionContext.BatchRows;
    }

    /// <summary>
    /// Gathers the queued pairs, applies the residual, records matches; returns the batch to emit
    /// (inner and outer joins) or null.
    /// </summary>
    private RecordBatch? Flush(RecordBatch probe, JoinHashTable table, bool[] probeMatched, bool[]? buildMatched)
    {
        int n = pairCount;
        pairCount = 0;
        int probeWidth = plan.Probe.Output.Count;
        int probeStart = plan.BuildIsLeft ? table.Rows.Length : 0;
        int buildStart = plan.BuildIsLeft ? 0 : probeWidth;
        foreach (var c in pairs) c.Reset();
        for (int p = 0; p < n; p++) pairProbeRow[p] = probe.Selection is { } s ? s[pairProbe[p]] : pairProbe[p];
        var unread = node.UnreadOutput;
        for (int j = 0; j < probeWidth; j++)
        {
            if (unread is not null && unread[probeStart + j]) ColumnAppend.Nulls(pairs[probeStart + j], n);
            else JoinGather.Gather(probe.Columns[j], pairProbeRow, n, pairs[probeStart + j], pairOps[probeStart + j]);
        }
        for (int j = 0; j < table.Rows.Length; j++)
        {
            if (unread is not null && unread[buildStart + j]) ColumnAppend.Nulls(pairs[buildStart + j], n);
            else JoinGather.Gather(table.Rows[j], pairBuild, n, pairs[buildStart + j], pairOps[buildStart + j]);
        }
        var batch = pairBatch!;
        batch.Length = n;
        batch.Selection = null;
        int passed = n;
        if (node.ResidualKernel is not null)
        {
            passed = node.ResidualKernel.Run(batch, selection, context.Kernel);
            batch.Selection = selection;
            batch.SelectedCount = passed;
        }
        for (int q = 0; q < passed; q++)
        {
            int p = batch.Selection is { } sel ? sel[q] : q;
            probeMatched[pairProbe[p]] = true;
            if (buildMatched is not null) buildMatched[pairBuild[p]] = true;
        }
        return EmitsPairs && passed > 0 ? batch : null;
    }

    /// <summary>
    /// <see cref="Flush"/> for the pairs queued so far, whose probe rows before
    /// <paramref name="complete"/> have all their pairs among them or flushed before. An outer join
    /// that keeps its probe rows emits in PostgreSQL's order (its hash join and nested loop emit an
    /// outer row's pairs, then its NULL-extended row when it has none, before the next outer row
    /// is fetched): such a row of those goes between the pairs where its row falls, so an operator
    /// above that raises meets the rows in PostgreSQL's order (a projection negating the probe
    /// column of an unmatched row before a pair's division by zero). When none falls between, the
    /// pairs are emitted as they are. A block nested loop knows its unmatched rows only in its last
    /// pass and emits them after the batch.
    /// </summary>
    private IEnumerable<RecordBatch> FlushInOrder(RecordBatch probe, JoinHashTable table, bool[] probeMatched, bool[]? buildMatched, int complete,
        Spill.BlockNestedLoop? bnl)
    {
        var flushed = Flush(probe, table, probeMatched, buildMatched);
        if (kind is not (HashJoinKind.ProbeOuter or HashJoinKind.Full) || bnl is not null)
        {
            if (flushed is not null) yield return flushed;
            yield break;
        }
        int start = unmatchedCursor;
        bool between = false;
        for (int k = start; k < complete && !between; k++) between = !probeMatched[k];
        if (!between)
        {
            unmatchedCursor = Math.Max(start, complete);
            if (flushed is not null) yield return flushed;
            yield break;
        }
        if (ordered.Length == 0)
        {
            ordered = plan.PairColumns.Select(c => PgArrowMapping.CreateColumn(c.Type, ExecutionContext.BatchRows)).ToArray();
            orderedBatch = new RecordBatch(ordered, 0);
        }
        int probeWidth = plan.Probe.Output.Count;
        int buildWidth = plan.Build.Output.Count;
        int probeStart = plan.BuildIsLeft ? buildWidth : 0;
        int buildStart = plan.BuildIsLeft ? 0 : probeWidth;
        int passed = flushed is null ? 0 : flushed.LiveRows;
        int count = 0;
        foreach (var c in ordered) c.Reset();
        int cursor = start;
        for (int q = 0; q <= passed; q++)
        {
            // the NULL-extended rows before this pair's probe row (after the last pair: up to complete)
            int p = q < passed ? (flushed!.Selection is { } sel ? sel[q] : q) : -1;
            int upTo = q < passed ? Math.Min(pairProbe[p], complete) : complete;
            for (; cursor < upTo; cursor++)
            {
                if (probeMatched[cursor]) continue;
                int row = probe.Selection is { } s ? s[cursor] : cursor;
                for (int j = 0; j < probeWidth; j++) pairOps[probeStart + j].Append(probe.Columns[j], row, ordered[probeStart + j]);
                for (int j = 0; j < buildWidth; j++) ColumnAppend.Null(ordered[buildStart + j]);
                if (++count == ExecutionContext.BatchRows)
                {
                    yield return Ordered(count);
                    count = 0;
                    foreach (var c in ordered) c.Reset();
                }
            }
            if (q == passed) break;
            for (int j = 0; j < pairs.Length; j++) pairOps[j].Append(pairs[j], p, ordered[j]);
            if (++count == ExecutionContext.BatchRows)
            {
                yield return Ordered(count);
                count = 0;
                foreach (var c in ordered) c.Reset();
            }
        }
        unmatchedCursor = Math.Max(cursor, start);
        if (count > 0) yield return Ordered(count);
    }

    private RecordBatch Ordered(int count)
    {
        var batch = orderedBatch!;
        batch.Length = count;
        batch.Selection = null;
        return batch;
    }

    /// <summary>Probe rows from <paramref name="from"/> on without a match, with NULL build columns, in batches.</summary>
    private IEnumerable<RecordBatch> EmitUnmatchedProbe(RecordBatch probe, bool[] probeMatched, int live, int from = 0)
    {
        int probeWidth = plan.Probe.Output.Count;
        int buildWidth = plan.Build.Output.Count;
        int probeStart = plan.BuildIsLeft ? buildWidth : 0;
        int buildStart = plan.BuildIsLeft ? 0 : probeWidth;
        int k = from;
        while (k < live)
        {
            foreach (var c in pairs) c.Reset();
            int n = 0;
            for (; k < live && n < ExecutionContext.BatchRows; k++)
            {
                if (probeMatched[k]) continue;
                int row = probe.Selection is { } s ? s[k] : k;
                for (int j = 0; j < probeWidth; j++) pairOps[probeStart + j].Append(probe.Columns[j], row, pairs[probeStart + j]);
                for (int j = 0; j < buildWidth; j++) ColumnAppend.Null(pairs[buildStart + j]);
                n++;
            }
            if (n == 0) yield break;
            var batch = pairBatch!;
            batch.Length = n;
            batch.Selection = null;
            yield return batch;
        }
    }

    /// <summary>Build rows no probe row matched, with NULL probe columns, in batches.</summary>
    private IEnumerable<RecordBatch> EmitUnmatchedBuild(JoinHashTable table, bool[] buildMatched)
    {
        int probeWidth = plan.Probe.Output.Count;
        int buildWidth = table.Rows.Length;
        int probeStart = plan.BuildIsLeft ? buildWidth : 0;
        int buildStart = plan.BuildIsLeft ? 0 : probeWidth;
        int r = 0;
        while (r < table.Count)
        {
            foreach (var c in pairs) c.Reset();
            int n = 0;
            for (; r < table.Count && n < ExecutionContext.BatchRows; r++)
            {
                if (buildMatched[r]) continue;
                for (int j = 0; j < probeWidth; j++) ColumnAppend.Null(pairs[probeStart + j]);
                for (int j = 0; j < buildWidth; j++) pairOps[buildStart + j].Append(table.Rows[j], r, pairs[buildStart + j]);
                n++;
            }
            if (n == 0) yield break;
            var batch = pairBatch!;
            batch.Length = n;
            batch.Selection = null;
            yield return batch;
        }
    }

    /// <summary>A batch already taken from a source, then the rest of that source.</summary>
    private sealed class Prepended(RecordBatch first, IBatchSource rest) : IBatchSource
    {
        private bool taken;

        public RecordBatch? Next(CancellationToken cancellation)
        {
            if (taken) return rest.Next(cancellation);
            taken = true;
            return first;
        }
    }
}
