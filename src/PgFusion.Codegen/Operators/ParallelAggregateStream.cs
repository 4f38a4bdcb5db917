using System.Runtime.ExceptionServices;
using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators;

/// <summary>
/// A hash aggregate whose input is a scan under filters and projections, run on several threads
/// (pg_fusion.worker_threads): each thread has a partition of the scan (it takes the next batch
/// of served pages and decodes it itself), its own copy of the filter and projection streams
/// and its own partial aggregate; at the end the partials merge into the first one
/// (<see cref="HashAggregateStream.MergeFrom"/>, PostgreSQL's combine step), which emits the groups.
/// Only aggregates whose merge is exact and independent of row order take this path
/// (<see cref="Aggregates.Accumulator.CanMerge"/>): count, sum and avg of integers and numerics, min, max,
/// bool_and/or. The memory budget is shared: a partial whose table passes its share stops all
/// partials at their next batch; after the merge the first partial reads the rest of the scan
/// alone, spilling as the serial aggregate does. The first error in scan order wins: a failing
/// partition stops the scan, the others finish the batch in hand, and the error of the earliest
/// batch is thrown on the calling thread with its SQLSTATE, as a serial run would raise it.
/// </summary>
internal sealed class ParallelAggregateStream : IBatchSource
{
    private readonly HashAggregateStream[] partials;
    private readonly IParallelPartition[] partitions;
    private readonly IParallelScan scan;
    private readonly ExecutionContext context;
    private readonly Lock gate = new();
    private ExceptionDispatchInfo? error;
    private long errorSequence = long.MaxValue;
    private volatile bool failed;
    private volatile bool overflow;
    private bool merged;

    private ParallelAggregateStream(HashAggregateStream[] partials, IParallelPartition[] partitions, IParallelScan scan, ExecutionContext context)
    {
        this.partials = partials;
        this.partitions = partitions;
        this.scan = scan;
        this.context = context;
    }

    /// <summary>The parallel aggregate for <paramref name="node"/>, or null when it runs serially.</summary>
    public static IBatchSource? TryOpen(HashAggregateNode node, ExecutionContext context)
    {
        if (context.Scans is not IParallelScanProvider { Degree: > 1 } provider) return null;
        if (ScanOf(node.Input) is not { } scanNode) return null;
        foreach (var factory in node.Accumulators)
        {
            if (!factory().CanMerge) return null;
        }
        int degree = provider.Degree;
        var shared = provider.OpenParallelScan(scanNode.Scan);
        var partitions = new IParallelPartition[degree];
        var partials = new HashAggregateStream[degree];
        for (int i = 0; i < degree; i++)
        {
            var partition = partitions[i] = shared.Partition();
            var own = new ExecutionContext(new PartitionScans(scanNode.Scan, partition), context.Cancellation, context.Spill);
            partials[i] = new HashAggregateStream(node, node.Input.Open(own), own);
        }
        return new ParallelAggregateStream(partials, partitions, shared, context);
    }

    /// <summary>The scan under a chain of filters and projections (per-batch operators without state), or null.</summary>
    private static ScanNode? ScanOf(OperatorNode node) => node switch
    {
        ScanNode s => s,
        FilterNode f => ScanOf(f.Input),
        ProjectNode p => ScanOf(p.Input),
        _ => null,
    };

    public RecordBatch? Next(CancellationToken cancellation)
    {
        if (!merged)
        {
            merged = true;
            RunPartials(cancellation);
            for (int i = 1; i < partials.Length; i++) partials[0].MergeFrom(partials[i]);
        }
        return partials[0].Next(cancellation);
    }

    private void RunPartials(CancellationToken cancellation)
    {
        long budget = context.Spill.Limited ? Math.Max(1, context.Spill.BudgetBytes / partials.Length) : long.MaxValue;
        foreach (var p in partials) p.Start();
        var threads = new List<Thread>(partials.Length - 1);
        for (int i = 1; i < partials.Length; i++)
        {
            int k = i;
            var thread = new Thread(() => RunPartial(k, budget, cancellation)) { IsBackground = true, Name = "pg_fusion partial" };
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
        RunPartial(0, budget, cancellation);
        foreach (var t in threads) t.Join();
        error?.Throw();
    }

    /// <summary>Runs one partial to the end of its partition; never throws (a thread's exception would end the worker).</summary>
    private void RunPartial(int i, long budget, CancellationToken cancellation)
    {
        try
        {
            if (!partials[i].Fold(cancellation, budget, () => failed || overflow) && !failed) overflow = true;
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
            scan.Stop();
        }
    }

    /// <summary>A partition's scan provider: the one scan of its pipeline is the partition.</summary>
    private sealed class PartitionScans(PhysicalScan scan, IParallelPartition partition) : IScanProvider
    {
        public IBatchSource OpenScan(PhysicalScan opened) =>
            ReferenceEquals(opened, scan) ? partition : throw new InvalidOperationException($"a parallel partition of scan #{scan.ScanId} opened scan #{opened.ScanId}");
    }
}
