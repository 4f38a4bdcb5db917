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
    private readonly ExecutionContext context;

    private ParallelPipeline(ScanNode scan, HashJoinNode[] joins, JoinHashTable[] tables, IParallelScan shared, ExecutionContext context)
    {
        this.scan = scan;
        this.joins = joins;
        this.tables = tables;
        this.context = context;
        Scan = shared;
    }

    /// <summary>The scan the partitions share.</summary>
    public IParallelScan Scan { get; }

    /// <summary>Whether <paramref name="input"/> can run on several threads of <paramref name="context"/> (no input is read).</summary>
    public static bool Qualifies(OperatorNode input, ExecutionContext context) =>
        context.Scans is IParallelScanProvider { Degree: > 1 } && ScanOf(input, null) is not null;

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
            case HashJoinNode j when j.Plan.Kind is HashJoinKind.Inner or HashJoinKind.ProbeOuter or HashJoinKind.Semi or HashJoinKind.Anti or HashJoinKind.NullAwareAnti:
                joins?.Add(j);
                return ScanOf(j.Probe, joins);
            default:
                return null;
        }
    }

    /// <summary>
    /// Builds the joins' tables and opens the shared scan; null when the pipeline must run serially
    /// (a build went over the memory budget): the joins read so far are then left prepared in
    /// <paramref name="context"/>, so opening <paramref name="input"/> there does not read their build input again.
    /// </summary>
    public static ParallelPipeline? Open(OperatorNode input, ExecutionContext context)
    {
        var provider = (IParallelScanProvider)context.Scans;
        var joins = new List<HashJoinNode>();
        var scanNode = ScanOf(input, joins) ?? throw new InvalidOperationException("not a parallel pipeline");
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
        return new ParallelPipeline(scanNode, [.. joins], tables, provider.OpenParallelScan(scanNode.Scan), context);
    }

    /// <summary>A new partition of the scan and the context a thread opens its copy of the chain in.</summary>
    public (IParallelPartition Partition, ExecutionContext Context) Partition()
    {
        var partition = Scan.Partition();
        var own = new ExecutionContext(new PartitionScans(scan.Scan, partition), context.Cancellation, context.Spill);
        for (int i = 0; i < joins.Length; i++) own.Shared[joins[i]] = tables[i];
        return (partition, own);
    }

    /// <summary>A partition's scan provider: the one scan of its pipeline is the partition.</summary>
    private sealed class PartitionScans(PhysicalScan scan, IParallelPartition partition) : IScanProvider
    {
        public IBatchSource OpenScan(PhysicalScan opened) =>
            ReferenceEquals(opened, scan) ? partition : throw new InvalidOperationException($"a parallel partition of scan #{scan.ScanId} opened scan #{opened.ScanId}");
    }
}
