using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Spill;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.Join;

/// <summary>
/// Index-probe join (plan side): a <see cref="HashJoinNode"/> whose probe input is the buffered
/// outer input and whose build input reads the inner relation through an index probe
/// (<see cref="IndexProbeScanNode"/>). At run time the build side, opened first by the hash join,
/// reads the whole outer input (<see cref="IndexProbeRendezvous.Load"/>), streaming its distinct
/// keys to the index probe in chunks as they come, so that the backend probes while the outer
/// input is still being read; the probe side then replays the buffered outer batches.
/// </summary>
public sealed class IndexProbeJoinNode : OperatorNode
{
    private readonly HashJoinNode join;
    private readonly HashJoinNode? fallback;

    public IndexProbeJoinNode(OperatorNode outer, OperatorNode build, HashJoinNode join, IndexProbeRendezvous rendezvous, HashJoinNode? fallback = null)
        : base(join.Output)
    {
        Outer = outer;
        Build = build;
        this.join = join;
        this.fallback = fallback;
        Rendezvous = rendezvous;
        rendezvous.Join = this;
    }

    public OperatorNode Outer { get; }

    public OperatorNode Build { get; }

    public IndexProbeRendezvous Rendezvous { get; }

    public PhysicalIndexProbeJoin Plan => Rendezvous.Plan;

    public override IReadOnlyList<OperatorNode> Children => [Outer, Build];

    /// <summary>The hash joins it runs (not shown in EXPLAIN): their spill files count under this node.</summary>
    public override IEnumerable<OperatorNode> RunsInside => fallback is null ? [join] : [join, fallback];

    public override string Describe()
    {
        var p = Plan;
        string keys = string.Join(" AND ", p.Join.ProbeKeys.Select((k, i) => $"{Dump.ExprText.Of(k, Outer.Output)} = {Dump.ExprText.Of(p.Join.BuildKeys[i], Build.Output)}"));
        string residual = p.Join.Residual is null ? "" : $"; filter {Dump.ExprText.Of(p.Join.Residual, p.Join.PairColumns)}";
        string firstMatch = p.FirstMatch is { } fm ? $"; first match after {fm.Count} pushed condition{(fm.Count == 1 ? "" : "s")}{(p.IndexOnly ? "; index only" : "")}"
            : p.ProbeFilter is { } pf ? $"; {pf.Count} pushed condition{(pf.Count == 1 ? "" : "s")}" : "";
        return $"Index Probe Join {p.Join.Kind} using {p.Index.Name}: {keys}{residual}{firstMatch}; probe {p.InnerScan.Relation.Name} by {Dump.ExprText.Of(p.Join.ProbeKeys[p.KeyIndex], Outer.Output)}  (rows={p.EstimatedRows:0})";
    }

    public override IEnumerable<KernelInfo> Kernels
    {
        get
        {
            var k = Rendezvous.KeyKernel;
            yield return new("index_probe_keys", k.Source, k.Run, k.CompileTime, k.Key);
            foreach (var j in join.Kernels) yield return j;
        }
    }

    public override IBatchSource Open(ExecutionContext context)
    {
        context.Shared[Rendezvous] = new IndexProbeRun();
        return fallback is null ? join.Open(context) : new ChosenJoin(this, context);
    }

    /// <summary>
    /// A semi, anti or inner join with a fallback: the outer input is read first (as the hash join's build
    /// side would read it), then the probe join runs, or, when the probe was given up for a
    /// sequential scan, the join that builds the buffered outer rows and streams the inner scan.
    /// </summary>
    private sealed class ChosenJoin(IndexProbeJoinNode node, ExecutionContext context) : IBatchSource
    {
        private IBatchSource? chosen;

        public RecordBatch? Next(CancellationToken cancellation)
        {
            if (chosen is null)
            {
                var run = node.Rendezvous.Load(context, cancellation);
                chosen = run.Probe is null && run.KeyCount > 0 ? node.fallback!.Open(context) : node.join.Open(context);
            }
            return chosen.Next(cancellation);
        }
    }
}

/// <summary>What the outer input yielded in one execution: copies of its batches, how many distinct keys, and the probe they went to.</summary>
internal sealed class IndexProbeRun
{
    /// <summary>The outer batches held in memory: those read before they passed the memory budget.</summary>
    public List<RecordBatch>? Outer;

    /// <summary>The outer batches read after the held ones passed the budget, in input order; null when none did.</summary>
    public SpillFile? OuterFile;
    /// <summary>Distinct non-NULL keys counted while the key set was kept; at least 1 when the input had any.</summary>
    public long KeyCount;

    /// <summary>The index probe holding every key; null when there is none or it was given up for a sequential scan.</summary>
    public IIndexProbe? Probe;

    /// <summary>The set of distinct keys passed the memory budget and spilled (<see cref="IndexProbeKeySet"/>).</summary>
    public bool KeysSpilled;

    /// <summary>The most bytes the set of distinct keys held at once.</summary>
    public long KeySetPeakBytes;
}

/// <summary>Where an index-probe join's two sides meet: the outer input and the kernel computing its probe key.</summary>
public sealed class IndexProbeRendezvous(OperatorNode outer, Kernel<ProjectKernel> keyKernel, PhysicalIndexProbeJoin plan)
{
    public OperatorNode Outer { get; } = outer;

    public Kernel<ProjectKernel> KeyKernel { get; } = keyKernel;

    public PhysicalIndexProbeJoin Plan { get; } = plan;

    /// <summary>The join node this rendezvous serves: its spill files (outer rows, keys) count under it.</summary>
    public OperatorNode? Join { get; internal set; }

    /// <summary>
    /// Distinct keys gathered before they go to the probe: a small first chunk starts the backend
    /// early, and each later chunk is twice the one before, up to <see cref="MaxChunkKeys"/>: few
    /// messages, and keys sorted over long runs (the index and heap pages of neighbouring keys
    /// are visited together), while the backend has at most one chunk left when the outer input ends.
    /// </summary>
    public const int FirstChunkKeys = 256;
    public const int MaxChunkKeys = 8192;

    /// <summary>Keys one probe may be sent in all.</summary>
    public const int MaxProbeKeys = 16_000_000;

    /// <summary>
    /// Reads the whole outer input once per execution (copying its batches) and sends its distinct
    /// non-NULL keys to an index probe in chunks while it reads. The copies count against the memory
    /// budget: once the held batches pass it, every later batch goes to a spill file instead
    /// (<see cref="IndexProbeRun.OuterFile"/>), which the replay reads after the held ones. Once the keys seen make the probe
    /// dearer than a sequential scan (<see cref="PhysicalIndexProbeJoin.PrefersProbe"/>), the probe
    /// is closed and the inner side is read by a sequential scan instead. The set of distinct keys
    /// counts against the budget too: past it, the keys it does not hold are spilled and sent in
    /// bounded rounds after the outer input ends (<see cref="IndexProbeKeySet"/>).
    /// </summary>
    internal IndexProbeRun Load(ExecutionContext context, CancellationToken cancellation)
    {
        if (!context.Shared.TryGetValue(this, out var found) || found is not IndexProbeRun run)
        {
            run = new IndexProbeRun();
            context.Shared[this] = run;
        }
        if (run.Outer is not null) return run;
        var batches = new List<RecordBatch>();
        long heldBytes = 0;
        var keyType = Plan.Join.ProbeKeys[Plan.KeyIndex].Type;
        var keyColumn = PgArrowMapping.CreateColumn(keyType, ExecutionContext.BatchRows);
        var ops = Outer.Output.Select(o => ColumnOps.For(o.Type)).ToArray();
        var keys = new IndexProbeKeySet(context, Join);
        var provider = context.Scans as IIndexProbeProvider;
        bool probing = provider is not null;
        if (!probing) keys.StopTracking(); // no probe to send keys to: only whether one came counts
        long[] widened = [];
        int[] rows = [];
        int chunkKeys = FirstChunkKeys;

        // Sends the pending keys (ascending within a chunk, for the index's locality), or gives the
        // probe up. A probe that defers its keys (PhysicalIndexProbeJoin.DefersKeys) keeps them all
        // until the outer input ends and decides on their real count before the backend probes any.
        bool defer = Plan.DefersKeys;
        void Flush(List<long> pending, bool last, bool force = false)
        {
            if (defer && !force) return;
            run.KeyCount += pending.Count;
            if (probing && (run.KeyCount > MaxProbeKeys || !Plan.PrefersProbe(run.KeyCount)))
                GiveUpProbe();
            if (probing && (pending.Count > 0 || (last && run.Probe is not null)))
            {
                pending.Sort();
                var rest = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending);
                // at most MaxChunkKeys a message (the deferred keys come all at once)
                do
                {
                    var chunk = rest[..Math.Min(rest.Length, MaxChunkKeys)];
                    rest = rest[chunk.Length..];
                    bool final = last && rest.IsEmpty;
                    if (run.Probe is null)
                        run.Probe = provider!.OpenIndexProbe(Plan.InnerScan, Plan.Index.Oid, Plan.FirstMatch, Plan.ProbeFilter, chunk, moreKeys: !final);
                    else
                        run.Probe.AddKeys(chunk, final);
                }
                while (!rest.IsEmpty);
            }
            pending.Clear();
        }

        // The sequential scan reads the inner side instead: the backend stops probing (its pages
        // so far are dropped), and the keys need no set any more; only whether there was one counts.
        void GiveUpProbe()
        {
            probing = false;
            run.Probe?.Close();
            run.Probe = null;
            keys.StopTracking();
        }

        // A filtered or joined scan of the outer input runs on worker_threads threads, gathered in
        // scan order (the keys, the probe and the buffered batches are then exactly a serial run's);
        // the gather's threads receive the probe's pages while this thread sends its keys.
        var source = ParallelGatherStream.Open(Outer, context, "index probe join outer input");
        try
        {
            while (source.Next(cancellation) is { } batch)
            {
                cancellation.ThrowIfCancellationRequested();
                int live = batch.LiveRows;
                if (live == 0) continue;
                if (rows.Length < live)
                {
                    rows = new int[live];
                    widened = new long[live];
                }
                RecordBatch copy;
                if (source is ParallelGatherStream { OwnsBatches: true } && batch.Selection is null)
                    copy = batch; // the gather's copy: the consumer's to keep
                else
                {
                    for (int k = 0; k < live; k++) rows[k] = batch.Selection is { } s ? s[k] : k;
                    var columns = new Column[Outer.Output.Count];
                    for (int j = 0; j < columns.Length; j++)
                    {
                        columns[j] = PgArrowMapping.CreateColumn(Outer.Output[j].Type, live);
                        JoinGather.Gather(batch.Columns[j], rows, live, columns[j], ops[j]);
                    }
                    copy = new RecordBatch(columns, live);
                }
                Hold(copy);
                ProjectStream.Run(KeyKernel, batch, [keyColumn], context);
                JoinHashTable.WidenKeys(keyColumn, live, widened);
                var validity = keyColumn.Validity;
                for (int k = 0; k < live; k++)
                    if (validity is null || validity.IsValid(k)) keys.Add(widened[k]);
                if (keys.Pending.Count >= chunkKeys)
                {
                    Flush(keys.Pending, last: false);
                    chunkKeys = Math.Min(chunkKeys * 2, MaxChunkKeys);
                }
            }
        }
        catch
        {
            // the gather's threads stop (and are joined) before the request ends
            (source as ParallelGatherStream)?.Abandon();
            throw;
        }
        // the keys the set held, then those spilled past the budget, a partition's distinct keys a round
        bool spilled = keys.Frozen;
        Flush(keys.Pending, last: !spilled, force: true);
        if (spilled)
        {
            foreach (var round in keys.Rounds(cancellation))
            {
                if (!probing) break;
                Flush(round, last: false, force: true);
            }
            Flush([], last: true, force: true);
            run.KeysSpilled = true;
        }
        // keys that came after the set was dropped (no probe to send them to) still make the inner side non-empty
        if (keys.SawUntracked && run.KeyCount == 0) run.KeyCount = 1;
        run.KeySetPeakBytes = keys.PeakBytes;
        context.Spill.NoteIndexProbeKeyBytes(keys.PeakBytes);
        run.Outer = batches;
        return run;

        // Keeps a copy of an outer batch in memory while the held copies fit the budget, then writes
        // it and every later one to the spill file (input order is kept: held batches come first).
        void Hold(RecordBatch copy)
        {
            var columns = copy.Columns as Column[] ?? [.. copy.Columns];
            if (run.OuterFile is null)
            {
                heldBytes += ColumnMemory.Bytes(columns);
                if (!context.Spill.Limited || heldBytes <= context.Spill.BudgetBytes)
                {
                    batches.Add(copy);
                    return;
                }
                run.OuterFile = context.Spill.Create(new(Spill.SpillOperator.IndexProbeOuter, Join));
                context.Spill.CountIndexProbeOuterSpill();
            }
            run.OuterFile.Write(columns, copy.Length);
        }
    }
}

/// <summary>The probe input of the inner hash join: the outer batches the rendezvous buffered.</summary>
internal sealed class OuterReplayNode(IndexProbeRendezvous rendezvous) : OperatorNode(rendezvous.Outer.Output)
{
    public override IReadOnlyList<OperatorNode> Children => [];

    public override string Describe() => "Buffered outer input";

    public override IBatchSource Open(ExecutionContext context) => new ReplaySource(rendezvous, context);

    /// <summary>The held batches, then those of the spill file (read from its start; the file lives until the execution ends).</summary>
    private sealed class ReplaySource(IndexProbeRendezvous rendezvous, ExecutionContext context) : IBatchSource
    {
        private int next;
        private SpillFileSource? spilled;

        public RecordBatch? Next(CancellationToken cancellation)
        {
            var run = rendezvous.Load(context, cancellation);
            if (next < run.Outer!.Count) return run.Outer[next++];
            if (run.OuterFile is null) return null;
            if (spilled is null)
            {
                run.OuterFile.Rewind();
                spilled = new SpillFileSource(run.OuterFile, [.. rendezvous.Outer.Output.Select(o => o.Type)], deleteAtEnd: false);
            }
            return spilled.Next(cancellation);
        }
    }
}

/// <summary>
/// The inner relation's rows whose indexed key is one of the outer keys: an index probe through the
/// provider, or a sequential scan when the provider cannot probe or the real number of keys makes
/// the probe dearer than the scan.
/// </summary>
public sealed class IndexProbeScanNode(PhysicalScan scan, IndexProbeRendezvous rendezvous) : OperatorNode(scan.Output)
{
    public PhysicalScan Scan { get; } = scan;

    public override IReadOnlyList<OperatorNode> Children => [];

    public override string Describe() =>
        $"Index Probe #{Scan.ScanId} on {Scan.Relation.Name} using {rendezvous.Plan.Index.Name} (rte {Scan.RangeTableIndex}, attnums [{string.Join(", ", Scan.AttNums)}])  (rows={Scan.EstimatedRows:0})";

    public override IBatchSource Open(ExecutionContext context) => new ProbeSource(this, rendezvous, context);

    private sealed class ProbeSource(IndexProbeScanNode node, IndexProbeRendezvous rendezvous, ExecutionContext context) : IBatchSource
    {
        private IBatchSource? inner;
        private bool empty;

        public RecordBatch? Next(CancellationToken cancellation)
        {
            if (empty) return null;
            if (inner is null)
            {
                var run = rendezvous.Load(context, cancellation);
                if (run.KeyCount == 0)
                {
                    empty = true;
                    return null;
                }
                inner = run.Probe ?? context.Scans.OpenScan(node.Scan);
            }
            return inner.Next(cancellation);
        }
    }
}
