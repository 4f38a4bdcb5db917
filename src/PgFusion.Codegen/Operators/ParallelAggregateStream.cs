using PgFusion.Arrow;
using PgFusion.Codegen.Execution;

namespace PgFusion.Codegen.Operators;

/// <summary>
/// A hash aggregate over a <see cref="ParallelPipeline"/> (a scan under filters, projections and
/// the probe sides of hash joins), run on several threads (pg_fusion.worker_threads): the joins'
/// tables are built once on the calling thread, then each thread has a partition of the scan (it
/// takes the next batch of served pages and decodes it itself), its own copy of the filter,
/// projection and join streams and its own partial aggregate; at the end the partials merge into
/// the first one (<see cref="HashAggregateStream.MergeFrom"/>, PostgreSQL's combine step), which
/// emits the groups. Only aggregates whose merge is exact and independent of row order take this
/// path (<see cref="Aggregates.Accumulator.CanMerge"/>): count, sum and avg of integers and
/// numerics, min, max, bool_and/or; float sums stay serial, their rounding depends on the order.
/// The memory budget is shared: a partial whose table passes its share stops all partials at
/// their next batch; after the merge the first partial reads the rest of every partition alone
/// (its own, then the others', whose join streams may still hold output of a probe batch),
/// spilling as the serial aggregate does. The first error in scan order wins: a failing partition
/// stops the scan, the others finish the batch in hand, and the error of the earliest batch is
/// thrown on the calling thread with its SQLSTATE, as a serial run would raise it.
/// </summary>
internal sealed class ParallelAggregateStream : IBatchSource
{
    private readonly HashAggregateNode node;
    private readonly ExecutionContext context;
    private HashAggregateStream[] partials = [];
    private ParallelPipeline? pipeline;
    private IBatchSource? serial;
    private Concatenation? first;
    private volatile bool overflow;
    private bool merged;

    private ParallelAggregateStream(HashAggregateNode node, ExecutionContext context)
    {
        this.node = node;
        this.context = context;
    }

    /// <summary>The parallel aggregate for <paramref name="node"/>, or null when it runs serially. Reads nothing before its first batch is asked for.</summary>
    public static IBatchSource? TryOpen(HashAggregateNode node, ExecutionContext context)
    {
        if (!ParallelPipeline.Qualifies(node.Input, context)) return null;
        foreach (var factory in node.Accumulators)
        {
            if (!factory().CanMerge) return null;
        }
        return new ParallelAggregateStream(node, context);
    }

    /// <summary>Builds the pipeline's join tables and the partials; false when the pipeline runs serially.</summary>
    private bool OpenPartials()
    {
        if (ParallelPipeline.Open(node.Input, context, "partial aggregates") is not { } opened) return false;
        pipeline = opened;
        int degree = opened.Degree;
        partials = new HashAggregateStream[degree];
        var inputs = new IBatchSource[degree];
        // Each partial runs in its own partition's context: its kernels' text arena is scratch of one
        // thread (KernelContext), and a partial sharing the parent's would let one thread's
        // concatenation overwrite another's mid-kernel (min(t || id) came out with other rows' bytes).
        var contexts = new ExecutionContext[degree];
        for (int i = 0; i < degree; i++)
        {
            contexts[i] = opened.Partition();
            inputs[i] = node.Input.Open(contexts[i]);
        }
        // The first partial reads the others' inputs after its own once they stopped early (overflow).
        partials[0] = new HashAggregateStream(node, first = new Concatenation(inputs), contexts[0]);
        for (int i = 1; i < degree; i++) partials[i] = new HashAggregateStream(node, inputs[i], contexts[i]);
        return true;
    }

    public RecordBatch? Next(CancellationToken cancellation)
    {
        if (serial is not null) return serial.Next(cancellation);
        if (!merged)
        {
            merged = true;
            if (!OpenPartials())
            {
                serial = new HashAggregateStream(node, node.Input.Open(context), context);
                return serial.Next(cancellation);
            }
            RunPartials(cancellation);
            for (int i = 1; i < partials.Length; i++) partials[0].MergeFrom(partials[i]);
            if (overflow) first!.ReadAll();
        }
        return partials[0].Next(cancellation);
    }

    private void RunPartials(CancellationToken cancellation)
    {
        var pipeline = this.pipeline!;
        long budget = context.Spill.Limited ? Math.Max(1, context.Spill.BudgetBytes / partials.Length) : long.MaxValue;
        foreach (var p in partials) p.Start();
        pipeline.Run(i =>
        {
            if (!partials[i].Fold(cancellation, budget, () => pipeline.Failed || overflow) && !pipeline.Failed) overflow = true;
        });
    }

    /// <summary>
    /// The first partial's input: its own partition's chain only while the threads run (the
    /// others belong to their threads), then, after <see cref="ReadAll"/>, the rest of every chain.
    /// </summary>
    private sealed class Concatenation(IBatchSource[] sources) : IBatchSource
    {
        private int current;
        private int limit = 1;

        public void ReadAll() => limit = sources.Length;

        public RecordBatch? Next(CancellationToken cancellation)
        {
            for (; current < limit; current++)
            {
                if (sources[current].Next(cancellation) is { } b) return b;
            }
            return null;
        }
    }
}
