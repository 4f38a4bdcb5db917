using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.Join;

/// <summary>
/// Index-probe join (plan side): a <see cref="HashJoinNode"/> whose probe input is the buffered
/// outer input and whose build input reads the inner relation through an index probe
/// (<see cref="IndexProbeScanNode"/>). At run time the build side, opened first by the hash join,
/// reads the whole outer input (<see cref="IndexProbeRendezvous.Load"/>), collects its distinct
/// keys and asks for the matching rows; the probe side then replays the buffered outer batches.
/// </summary>
public sealed class IndexProbeJoinNode : OperatorNode
{
    private readonly HashJoinNode join;

    public IndexProbeJoinNode(OperatorNode outer, OperatorNode build, HashJoinNode join, IndexProbeRendezvous rendezvous)
        : base(join.Output)
    {
        Outer = outer;
        Build = build;
        this.join = join;
        Rendezvous = rendezvous;
    }

    public OperatorNode Outer { get; }

    public OperatorNode Build { get; }

    public IndexProbeRendezvous Rendezvous { get; }

    public PhysicalIndexProbeJoin Plan => Rendezvous.Plan;

    public override IReadOnlyList<OperatorNode> Children => [Outer, Build];

    public override string Describe()
    {
        var p = Plan;
        string keys = string.Join(" AND ", p.Join.ProbeKeys.Select((k, i) => $"{Dump.ExprText.Of(k, Outer.Output)} = {Dump.ExprText.Of(p.Join.BuildKeys[i], Build.Output)}"));
        string residual = p.Join.Residual is null ? "" : $"; filter {Dump.ExprText.Of(p.Join.Residual, p.Join.PairColumns)}";
        return $"Index Probe Join {p.Join.Kind} using {p.Index.Name}: {keys}{residual}; probe {p.InnerScan.Relation.Name} by {Dump.ExprText.Of(p.Join.ProbeKeys[p.KeyIndex], Outer.Output)}  (rows={p.EstimatedRows:0})";
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
        return join.Open(context);
    }
}

/// <summary>What the outer input yielded in one execution: copies of its batches and its distinct keys.</summary>
internal sealed class IndexProbeRun
{
    public List<RecordBatch>? Outer;
    public long[] Keys = [];
}

/// <summary>Where an index-probe join's two sides meet: the outer input and the kernel computing its probe key.</summary>
public sealed class IndexProbeRendezvous(OperatorNode outer, Kernel<ProjectKernel> keyKernel, PhysicalIndexProbeJoin plan)
{
    public OperatorNode Outer { get; } = outer;

    public Kernel<ProjectKernel> KeyKernel { get; } = keyKernel;

    public PhysicalIndexProbeJoin Plan { get; } = plan;

    /// <summary>Reads the whole outer input once per execution (copying its batches) and collects its sorted distinct non-NULL keys.</summary>
    internal IndexProbeRun Load(ExecutionContext context, CancellationToken cancellation)
    {
        if (!context.Shared.TryGetValue(this, out var found) || found is not IndexProbeRun run)
        {
            run = new IndexProbeRun();
            context.Shared[this] = run;
        }
        if (run.Outer is not null) return run;
        var batches = new List<RecordBatch>();
        var keyType = Plan.Join.ProbeKeys[Plan.KeyIndex].Type;
        var keyColumn = PgArrowMapping.CreateColumn(keyType, ExecutionContext.BatchRows);
        var ops = Outer.Output.Select(o => ColumnOps.For(o.Type)).ToArray();
        var keys = new List<long>();
        long[] widened = [];
        int[] rows = [];
        var source = Outer.Open(context);
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
            for (int k = 0; k < live; k++) rows[k] = batch.Selection is { } s ? s[k] : k;
            var columns = new Column[Outer.Output.Count];
            for (int j = 0; j < columns.Length; j++)
            {
                columns[j] = PgArrowMapping.CreateColumn(Outer.Output[j].Type, live);
                JoinGather.Gather(batch.Columns[j], rows, live, columns[j], ops[j]);
            }
            batches.Add(new RecordBatch(columns, live));
            ProjectStream.Run(KeyKernel, batch, [keyColumn], context);
            JoinHashTable.WidenKeys(keyColumn, live, widened);
            var validity = keyColumn.Validity;
            for (int k = 0; k < live; k++)
                if (validity is null || validity.IsValid(k)) keys.Add(widened[k]);
        }
        keys.Sort();
        int n = 0;
        for (int k = 0; k < keys.Count; k++)
            if (n == 0 || keys[k] != keys[n - 1]) keys[n++] = keys[k];
        run.Keys = [.. keys.Take(n)];
        run.Outer = batches;
        return run;
    }
}

/// <summary>The probe input of the inner hash join: the outer batches the rendezvous buffered.</summary>
internal sealed class OuterReplayNode(IndexProbeRendezvous rendezvous) : OperatorNode(rendezvous.Outer.Output)
{
    public override IReadOnlyList<OperatorNode> Children => [];

    public override string Describe() => "Buffered outer input";

    public override IBatchSource Open(ExecutionContext context) => new ReplaySource(rendezvous, context);

    private sealed class ReplaySource(IndexProbeRendezvous rendezvous, ExecutionContext context) : IBatchSource
    {
        private int next;

        public RecordBatch? Next(CancellationToken cancellation)
        {
            var outer = rendezvous.Load(context, cancellation).Outer!;
            return next < outer.Count ? outer[next++] : null;
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

    /// <summary>Keys one PROBE message may carry (8 bytes each, well under the 256 MiB message limit).</summary>
    public const int MaxProbeKeys = 16_000_000;

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
                if (run.Keys.Length == 0)
                {
                    empty = true;
                    return null;
                }
                inner = context.Scans is IIndexProbeProvider probes && run.Keys.Length <= MaxProbeKeys && rendezvous.Plan.PrefersProbe(run.Keys.Length)
                    ? probes.OpenIndexProbe(node.Scan, rendezvous.Plan.Index.Oid, run.Keys)
                    : context.Scans.OpenScan(node.Scan);
            }
            return inner.Next(cancellation);
        }
    }
}
