using System.Runtime.ExceptionServices;
using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Join;

namespace PgFusion.Codegen.Operators;

/// <summary>
/// A <see cref="ParallelPipeline"/> read by one consumer in scan order (pg_fusion.worker_threads):
/// a hash join's build input, a sort's input, the rows returned to the client. Every partition
/// runs on a thread of its own (the calling thread consumes); each output batch of a partition's
/// chain belongs to the scan batch the partition took last (filters, projections and streaming
/// hash joins emit a probe batch's rows before they take the next one), so it is copied into the
/// slot of that batch's sequence number, and the consumer reads the slots in sequence order: the
/// same rows in the same order as a serial run, whatever the threads' timing. A slot is complete
/// when its partition takes its next batch or ends. An error goes into the slot of the batch that
/// raised it, so the consumer throws it after every row of the earlier batches: the error a
/// serial run raises. Producers stop at <see cref="MaxBuffered"/> copied batches ahead of the
/// consumer (the partition holding the next slot never waits, so the consumer always progresses).
/// </summary>
internal sealed class ParallelGatherStream : IBatchSource
{
    /// <summary>Copied batches the producers may hold before those ahead of the consumer wait.</summary>
    public const int MaxBuffered = 64;

    private readonly OperatorNode input;
    private readonly ExecutionContext context;
    private readonly object gate = new(); // Monitor: producers and the consumer wait on it
    private readonly Dictionary<long, Slot> slots = [];
    private readonly ColumnOps[] ops;
    private Slot?[] current = [];
    private List<Thread> threads = [];
    private ParallelPipeline? pipeline;
    private IBatchSource? serial;
    private ExceptionDispatchInfo? orphan;
    private long next;
    private int running;
    private int buffered;
    private bool started;
    private bool inline;
    private volatile bool abandoned;

    private readonly string role;

    private ParallelGatherStream(OperatorNode input, ExecutionContext context, string role)
    {
        this.role = role;
        this.input = input;
        this.context = context;
        ops = input.Output.Select(o => ColumnOps.For(o.Type)).ToArray();
    }

    /// <summary>
    /// A gather over <paramref name="input"/> when it is a parallel pipeline that does work worth a
    /// second thread (a filter or a join: copying the rows of a bare scan costs what decoding saves)
    /// over at least <see cref="MinPages"/> pages; else the serial stream. Reads nothing before the first batch is asked for.
    /// </summary>
    public static IBatchSource Open(OperatorNode input, ExecutionContext context, string role) =>
        ParallelPipeline.Qualifies(input, context) && DoesWork(input) && ParallelPipeline.ScanPages(input) >= MinPages
            ? new ParallelGatherStream(input, context, role)
            : input.Open(context);

    /// <summary>Smaller scans (by the planner's relpages) stay serial: starting threads would cost more than they split.</summary>
    public const long MinPages = 64;

    private static bool DoesWork(OperatorNode node) => node switch
    {
        FilterNode => true,
        HashJoinNode => true,
        ProjectNode p => DoesWork(p.Input),
        _ => false,
    };

    /// <summary>
    /// Whether the batches <see cref="Next"/> returns are copies the caller may keep (the threads ran);
    /// false when the pipeline runs serially, whose operators reuse their batches.
    /// </summary>
    public bool OwnsBatches => started && serial is null;

    /// <summary>Threads the gather ran on (0 before it started, 1 when it ran serially).</summary>
    public int Degree { get; private set; }

    public RecordBatch? Next(CancellationToken cancellation)
    {
        if (!started) Start(cancellation);
        if (serial is not null) return serial.Next(cancellation);
        while (true)
        {
            lock (gate)
            {
                if (slots.TryGetValue(next, out var slot))
                {
                    if (slot.Batches.Count > 0)
                    {
                        buffered--;
                        Monitor.PulseAll(gate);
                        return slot.Batches.Dequeue();
                    }
                    if (slot.Error is null && slot.Complete)
                    {
                        slots.Remove(next++);
                        continue;
                    }
                }
                if (slot?.Error is null && (slot is not null || running > 0))
                {
                    Monitor.Wait(gate, 50);
                    if (!cancellation.IsCancellationRequested) continue;
                }
            }
            // the end, an error in scan order, or cancellation: the producers stop and are joined first
            Abandon();
            cancellation.ThrowIfCancellationRequested();
            if (slots.TryGetValue(next, out var failed) && failed.Error is { } error) error.Throw();
            orphan?.Throw();
            return null;
        }
    }

    /// <summary>Stops the producers (they finish the batch in hand) and waits for them; safe to call twice.</summary>
    public void Abandon()
    {
        abandoned = true;
        pipeline?.Scan.Stop();
        lock (gate) Monitor.PulseAll(gate);
        foreach (var t in threads) t.Join();
        threads = [];
    }

    private void Start(CancellationToken cancellation)
    {
        started = true;
        if (ParallelPipeline.Open(input, context, $"gather in scan order ({role})") is not { } opened)
        {
            Degree = 1;
            serial = input.Open(context);
            return;
        }
        pipeline = opened;
        int degree = opened.Degree;
        current = new Slot?[degree];
        var sources = new IBatchSource[degree];
        var partitions = new IParallelPartition[degree];
        for (int i = 0; i < degree; i++)
        {
            int k = i;
            var own = opened.Partition(seq => Took(k, seq), out partitions[i]);
            sources[i] = input.Open(own);
        }
        running = degree;
        for (int i = 0; i < degree; i++)
        {
            int k = i;
            var thread = new Thread(() => Produce(k, sources[k], partitions[k], cancellation)) { IsBackground = true, Name = "pg_fusion gather" };
            try
            {
                thread.Start();
                threads.Add(thread);
            }
            catch (OutOfMemoryException)
            {
                // no thread: that partition takes no pages, the others read the whole scan
                lock (gate) running--;
            }
        }
        Degree = threads.Count;
        if (threads.Count == 0)
        {
            // not one thread: read the pipeline here, through the first partition (it has taken nothing yet)
            running = 1;
            inline = true;
            Produce(0, sources[0], partitions[0], cancellation);
        }
    }

    /// <summary>Partition <paramref name="i"/> took scan batch <paramref name="sequence"/>: its previous batch is complete.</summary>
    private void Took(int i, long sequence)
    {
        lock (gate)
        {
            if (current[i] is { } previous) previous.Complete = true;
            var slot = new Slot();
            slots[sequence] = slot;
            current[i] = slot;
            Monitor.PulseAll(gate);
        }
    }

    private void Produce(int i, IBatchSource source, IParallelPartition partition, CancellationToken cancellation)
    {
        try
        {
            PipelineThreads.Started();
            while (!abandoned && source.Next(cancellation) is { } batch)
            {
                if (batch.LiveRows == 0) continue;
                var copy = Copy(batch);
                lock (gate)
                {
                    current[i]!.Batches.Enqueue(copy);
                    buffered++;
                    Monitor.PulseAll(gate);
                    while (buffered > MaxBuffered && !abandoned && !inline && !ReferenceEquals(current[i], slots.GetValueOrDefault(next)))
                        Monitor.Wait(gate, 50);
                }
            }
        }
        catch (Exception e)
        {
            var error = ExceptionDispatchInfo.Capture(e);
            lock (gate)
            {
                // a batch whose pages were taken but not returned (it failed while decoding) has a sequence and no slot yet
                long sequence = partition.Sequence;
                if (sequence >= 0 && !slots.ContainsKey(sequence) && sequence >= next)
                {
                    if (current[i] is { } previous) previous.Complete = true;
                    slots[sequence] = current[i] = new Slot();
                }
                if (current[i] is { } slot) slot.Error ??= error;
                else orphan ??= error;
            }
            pipeline!.Scan.Stop();
        }
        finally
        {
            lock (gate)
            {
                if (current[i] is { } last) last.Complete = true;
                running--;
                Monitor.PulseAll(gate);
            }
        }
    }

    /// <summary>The live rows of <paramref name="batch"/> in columns of their own (the chain reuses its batches).</summary>
    private RecordBatch Copy(RecordBatch batch)
    {
        int n = batch.LiveRows;
        var rows = new int[n];
        if (batch.Selection is { } selection) Array.Copy(selection, rows, n);
        else for (int r = 0; r < n; r++) rows[r] = r;
        var columns = new Column[ops.Length];
        for (int j = 0; j < columns.Length; j++)
        {
            columns[j] = PgArrowMapping.CreateColumn(input.Output[j].Type, n);
            JoinGather.Gather(batch.Columns[j], rows, n, columns[j], ops[j]);
        }
        return new RecordBatch(columns, n);
    }

    private sealed class Slot
    {
        public Queue<RecordBatch> Batches { get; } = new();

        public bool Complete { get; set; }

        public ExceptionDispatchInfo? Error { get; set; }
    }
}
