using System.Runtime.ExceptionServices;
using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Join;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators;

/// <summary>
/// The part of a plan below a pipeline breaker that several threads can run side by side
/// (pg_fusion.worker_threads): one scan under filters, projections and hash joins that stream
/// their probe input, the scan being on the probe side of each of them. Before any thread starts,
/// every join of the chain reads its build input on the calling thread, top join first (the order
/// a serial run reads them in); each table is then shared read-only, and every thread opens its
/// own copy of the chain over its partition of the scan, so a probe batch, its join output and
/// everything above it stay on the thread that took the pages. Joins that emit build rows after
/// the probe input ends (build outer, full, build semi/anti) need the matches of every thread and
/// end the chain; so does a build that goes over the memory budget (the pipeline then runs
/// serially, its joins keeping the tables or spill partitions they made).
/// </summary>
internal sealed class ParallelPipeline
{
    private readonly ScanNode scan;
    private readonly HashJoinNode[] joins;
    private readonly JoinHashTable[] tables;
    private readonly List<FilterNode> gates;
    private readonly ExecutionContext context;
    private readonly List<IParallelPartition> partitions = [];
    private readonly Lock gate = new();
    private ExceptionDispatchInfo? error;
    private long errorSequence = long.MaxValue;
    private volatile bool failed;

    private ParallelPipeline(ScanNode scan, HashJoinNode[] joins, JoinHashTable[] tables, List<FilterNode> gates, IParallelScan shared, ExecutionContext context)
    {
        this.scan = scan;
        this.gates = gates;
        this.joins = joins;
        this.tables = tables;
        this.context = context;
        Scan = shared;
    }

    /// <summary>The scan the partitions share.</summary>
    public IParallelScan Scan { get; }

    /// <summary>Threads the pipeline runs on (pg_fusion.worker_threads).</summary>
    public int Degree => ((IParallelScanProvider)context.Scans).Degree;

    /// <summary>Whether some partition failed (the scan is stopped; the error is thrown by <see cref="Run"/>).</summary>
    public bool Failed => failed;

    /// <summary>Whether <paramref name="input"/> can run on several threads of <paramref name="context"/> (no input is read).</summary>
    public static bool Qualifies(OperatorNode input, ExecutionContext context)
    {
        if (context.Scans is not IParallelScanProvider { Degree: > 1 }) return false;
        var joins = new List<HashJoinNode>();
        if (ScanOf(input, joins) is not { } scan) return false;
        // A pipeline builds every join's table before the first probe row, as PostgreSQL's Parallel
        // Hash does. A serial PostgreSQL hash join reads its outer input's first row before it builds
        // (HashJoinStream.ReadsProbeFirst), and PostgreSQL plans no parallel scan of a relation below
        // min_parallel_table_scan_size: over such a relation those joins run serially, so errors
        // and empty inputs are met in PostgreSQL's order.
        return !(IsBelowParallelScanSize(scan.Scan.Relation) && joins.Any(HashJoinStream.OrdersInputs));
    }

    /// <summary>min_parallel_table_scan_size's default, 8 MB, in 8 kB pages.</summary>
    private const long MinParallelTableScanPages = 1024;

    /// <summary>
    /// Whether the relation's statistics (pg_class.relpages) put it below <see cref="MinParallelTableScanPages"/>.
    /// A relation never analyzed or vacuumed (reltuples -1, relpages 0) counts as below: PostgreSQL
    /// sizes it by its current length with a floor of 10 pages, and the plan does not carry that
    /// length, so a table created and filled without ANALYZE (the usual small one) runs serially, as
    /// PostgreSQL runs it (seeds 439 case 607, never-analyzed empty t2 probed by a cross join: building
    /// t1 first raised on a qual PostgreSQL's nested loop never reached). A large never-analyzed
    /// table only loses the parallel pipeline over joins that order their inputs.
    /// </summary>
    private static bool IsBelowParallelScanSize(PgFusion.Types.RelationLayout relation) =>
        relation.RelPages < MinParallelTableScanPages;

    /// <summary>Pages of the relation the pipeline of <paramref name="input"/> scans (planner statistics), or 0 when it is not a pipeline.</summary>
    public static long ScanPages(OperatorNode input) => ScanOf(input, null)?.Scan.Relation.RelPages ?? 0;

    /// <summary>The one-time filters (<see cref="FilterNode.OneTime"/>) of the chain above its first join, top-down.</summary>
    private static List<FilterNode> GatesAboveJoins(OperatorNode node)
    {
        var gates = new List<FilterNode>();
        while (true)
        {
            switch (node)
            {
                case FilterNode f:
                    if (f.OneTime) gates.Add(f);
                    node = f.Input;
                    continue;
                case ProjectNode p:
                    node = p.Input;
                    continue;
                default:
                    return gates;
            }
        }
    }

    /// <summary>The scan under a chain of filters, projections and probe sides of streaming hash joins (collected top-down), or null.</summary>
    private static ScanNode? ScanOf(OperatorNode node, List<HashJoinNode>? joins)
    {
        switch (node)
        {
            case ScanNode s:
                return s;
            case FilterNode f:
                return ScanOf(f.Input, joins);
            case ProjectNode p:
                return ScanOf(p.Input, joins);
            // a gate (uncorrelated [NOT] EXISTS) reads its sub-query only up to the first row, on the session thread
            case HashJoinNode j when j.Plan.Kind is HashJoinKind.Inner or HashJoinKind.ProbeOuter or HashJoinKind.Semi or HashJoinKind.Anti or HashJoinKind.NullAwareAnti
                && !HashJoinStream.IsGateJoin(j.Plan):
                joins?.Add(j);
                return ScanOf(j.Probe, joins);
            default:
                return null;
        }
    }

    /// <summary>
    /// Builds the joins' tables and opens the shared scan (<paramref name="role"/>: what consumes the
    /// pipeline, for EXPLAIN ANALYZE); null when the pipeline must run serially
    /// (a build went over the memory budget): the joins read so far are then left prepared in
    /// <paramref name="context"/>, so opening <paramref name="input"/> there does not read their build input again.
    /// </summary>
    public static ParallelPipeline? Open(OperatorNode input, ExecutionContext context, string role)
    {
        var provider = (IParallelScanProvider)context.Scans;
        var joins = new List<HashJoinNode>();
        var scanNode = ScanOf(input, joins) ?? throw new InvalidOperationException("not a parallel pipeline");
        // PostgreSQL's One-Time Filters above the joins run before any join reads its build input (or
        // any scan starts): one that raises raises here, one that keeps no row leaves the chain to the
        // serial run, whose gate (its value remembered in the context) then opens no input.
        var gates = GatesAboveJoins(input);
        foreach (var g in gates)
        {
            if (!g.PassesOneTime(context)) return null;
        }
        var streams = new HashJoinStream[joins.Count];
        var tables = new JoinHashTable[joins.Count];
        for (int i = 0; i < joins.Count; i++)
        {
            streams[i] = new HashJoinStream(joins[i], context);
            if (streams[i].LoadBuild(context.Cancellation) is { } table)
            {
                tables[i] = table;
                continue;
            }
            for (int k = 0; k <= i; k++) context.Shared[joins[k]] = streams[k];
            return null;
        }
        // the tables are built: the lowest join's keys may become a stage of the scan's decode
        var prefilter = JoinKeyStage.Extend(scanNode, joins, tables);
        return new ParallelPipeline(scanNode, [.. joins], tables, gates, provider.OpenParallelScan(scanNode.Scan,
            $"{role} over scan of {scanNode.Scan.Relation.Name}{(joins.Count == 0 ? "" : $", {joins.Count} hash join probe{(joins.Count == 1 ? "" : "s")}")}", prefilter), context);
    }

    /// <summary>A new partition of the scan: the context one thread opens its copy of the chain in.</summary>
    public ExecutionContext Partition() => Partition(null, out _);

    /// <summary>
    /// A new partition whose every batch taken is reported to <paramref name="taken"/> (its
    /// sequence number, on the partition's thread, before the batch goes up the chain).
    /// </summary>
    public ExecutionContext Partition(Action<long>? taken, out IParallelPartition partition)
    {
        partition = Scan.Partition();
        if (taken is not null) partition = new Reporting(partition, taken);
        partitions.Add(partition);
        var own = new ExecutionContext(new PartitionScans(scan.Scan, partition), context.Cancellation, context.Spill);
        for (int i = 0; i < joins.Length; i++) own.Shared[joins[i]] = tables[i];
        foreach (var g in gates) own.Shared[g] = true;
        return own;
    }

    /// <summary>
    /// Runs <paramref name="work"/> for each partition made so far (its index), partition 0 on the
    /// calling thread and the others on threads of their own, and waits for all of them. The first
    /// error in scan order wins: a failing partition stops the scan, the others finish the batch in
    /// hand, and the error of the earliest batch is thrown here with its SQLSTATE, as a serial run
    /// would raise it. A thread never lets an exception escape (that would end the worker).
    /// </summary>
    public void Run(Action<int> work)
    {
        var threads = new List<Thread>(partitions.Count - 1);
        for (int i = 1; i < partitions.Count; i++)
        {
            int k = i;
            var thread = new Thread(() =>
            {
                PipelineThreads.Started();
                RunOne(k, work);
            }) { IsBackground = true, Name = "pg_fusion partition" };
            try
            {
                thread.Start();
                threads.Add(thread);
            }
            catch (OutOfMemoryException)
            {
                // no thread: that partition takes no pages, the others read the whole scan
            }
        }
        RunOne(0, work);
        foreach (var t in threads) t.Join();
        error?.Throw();
    }

    private void RunOne(int i, Action<int> work)
    {
        try
        {
            work(i);
        }
        catch (Exception e)
        {
            long sequence = partitions[i].Sequence;
            lock (gate)
            {
                if (error is null || sequence < errorSequence)
                {
                    error = ExceptionDispatchInfo.Capture(e);
                    errorSequence = sequence;
                }
            }
            failed = true;
            Scan.Stop();
        }
    }

    /// <summary>A partition that reports the sequence number of each batch it takes.</summary>
    private sealed class Reporting(IParallelPartition inner, Action<long> taken) : IParallelPartition
    {
        public long Sequence => inner.Sequence;

        public RecordBatch? Next(CancellationToken cancellation)
        {
            var batch = inner.Next(cancellation);
            if (batch is not null) taken(inner.Sequence);
            return batch;
        }
    }

    /// <summary>A partition's scan provider: the one scan of its pipeline is the partition.</summary>
    private sealed class PartitionScans(PhysicalScan scan, IParallelPartition partition) : IScanProvider
    {
        public IBatchSource OpenScan(PhysicalScan opened) =>
            ReferenceEquals(opened, scan) ? partition : throw new InvalidOperationException($"a parallel partition of scan #{scan.ScanId} opened scan #{opened.ScanId}");
    }
}
