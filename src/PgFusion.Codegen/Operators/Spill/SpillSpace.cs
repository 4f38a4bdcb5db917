namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// The temporary files of one query execution and its memory budget. Files live in PostgreSQL's
/// temporary directory (base/pgsql_tmp of the data directory, the worker's working directory)
/// and are named pgsql_tmp&lt;worker pid&gt;.pgfusion.&lt;n&gt;, so a server restart removes leftovers
/// of a worker that died (RemovePgTempFiles). Every file is deleted when the execution ends,
/// whether it succeeds, fails or is cancelled (<see cref="Dispose"/>).
/// </summary>
public sealed class SpillSpace : IDisposable
{
    private static long nextFile;
    private readonly List<SpillFile> files = [];
    private readonly Lock gate = new();
    private long bytes;
    private int created;

    public SpillSpace(string directory, long budgetBytes)
    {
        Directory = directory;
        BudgetBytes = budgetBytes <= 0 ? long.MaxValue : budgetBytes;
    }

    /// <summary>No budget: operators keep everything in memory.</summary>
    public static SpillSpace Unlimited => new(System.IO.Path.GetTempPath(), 0);

    public string Directory { get; }

    /// <summary>Bytes one buffering operator may hold before it spills (long.MaxValue = no limit).</summary>
    public long BudgetBytes { get; }

    public bool Limited => BudgetBytes != long.MaxValue;

    /// <summary>
    /// What the operators' buffers hold, as their gauges report it (<see cref="MemoryTracker"/>):
    /// sorts' rows and merge cursors, hash partitioners' staging blocks and file buffers.
    /// </summary>
    public MemoryTracker Memory { get; } = new();

    /// <summary>A gauge of <paramref name="node"/>'s memory (its position in the plan, as spill files count).</summary>
    internal MemoryGauge Gauge(OperatorNode? node) => new(Memory, PositionOf(node));

    /// <summary>
    /// The part of the budget a spilling operator's hash partitions take for their staging blocks
    /// and file buffers (<see cref="HashPartitioner"/>): a sixteenth.
    /// </summary>
    public long PartitionReserveBytes => Limited ? BudgetBytes / 16 : 0;

    /// <summary>
    /// How far a table may grow before it freezes and partitions: the budget less an eighth, of which
    /// a sixteenth is the partitions' (<see cref="PartitionReserveBytes"/>) and a sixteenth room for
    /// the batch a table takes in before it is measured again. An operator that keeps a frozen table
    /// while it partitions (hash aggregate, set operation, recursive UNION's seen set, the index
    /// probe's key set; the hash join's build until its rows are partitioned) so stays within the budget.
    /// </summary>
    public long TableBudgetBytes => Limited ? BudgetBytes - BudgetBytes / 8 : long.MaxValue;

    private int mergePasses;

    /// <summary>How many intermediate merges external sorts ran (runs merged into a longer run because the budget allows fewer read buffers than there were runs).</summary>
    public int SortMergePasses => Volatile.Read(ref mergePasses);

    internal void CountSortMergePass() => Interlocked.Increment(ref mergePasses);

    private int runMergePasses;

    /// <summary>How many intermediate merges the DISTINCT / ORDER BY aggregates' sorted runs took (runs merged into a longer run before the final merge).</summary>
    public int AggregateRunsMergePasses => Volatile.Read(ref runMergePasses);

    internal void CountAggregateRunsMergePass() => Interlocked.Increment(ref runMergePasses);

    public long BytesWritten => Interlocked.Read(ref bytes);

    public int FilesCreated => Volatile.Read(ref created);

    private int blockJoins;

    /// <summary>How many joins ran as a block nested loop (no keys, or a grace partition past its last level).</summary>
    public int BlockNestedLoopJoins => Volatile.Read(ref blockJoins);

    internal void CountBlockNestedLoop() => Interlocked.Increment(ref blockJoins);

    private int seenSpills;

    /// <summary>How many recursive UNIONs froze their set of rows seen and partitioned the rest to files.</summary>
    public int RecursiveSeenSetSpills => Volatile.Read(ref seenSpills);

    internal void CountRecursiveSeenSpill() => Interlocked.Increment(ref seenSpills);

    private int windowSpills;

    /// <summary>How many window partitions passed the budget and moved the columns no window function reads to a file.</summary>
    public int WindowPartitionSpills => Volatile.Read(ref windowSpills);

    internal void CountWindowPartitionSpill() => Interlocked.Increment(ref windowSpills);

    private int windowThinnings;

    /// <summary>
    /// How many times a window aggregate's carried states passed its share of the budget and it
    /// dropped every other one (a reverse running aggregate's checkpoints, recomputed from the next).
    /// </summary>
    public int WindowStateThinnings => Volatile.Read(ref windowThinnings);

    internal void CountWindowStateThinning() => Interlocked.Increment(ref windowThinnings);

    private long windowStatesPeak;

    /// <summary>The most one window partition's aggregates carried in states at once, as its gauge counted them.</summary>
    public long WindowStatesPeakBytes => Interlocked.Read(ref windowStatesPeak);

    internal void NoteWindowStates(long bytes) => RaiseTo(ref windowStatesPeak, bytes);

    private int probeOuterSpills;

    /// <summary>How many index-probe joins wrote part of their outer input to a file.</summary>
    public int IndexProbeOuterSpills => Volatile.Read(ref probeOuterSpills);

    internal void CountIndexProbeOuterSpill() => Interlocked.Increment(ref probeOuterSpills);

    private long probeKeyPeak;

    /// <summary>The most bytes one index-probe join's set of distinct keys held at once in this execution.</summary>
    public long IndexProbeKeyPeakBytes => Interlocked.Read(ref probeKeyPeak);

    internal void NoteIndexProbeKeyBytes(long peak) => RaiseTo(ref probeKeyPeak, peak);

    /// <summary>Raises a peak figure shared by the execution's threads to <paramref name="value"/> when that is higher (lock-free).</summary>
    private static void RaiseTo(ref long peak, long value)
    {
        long seen = Interlocked.Read(ref peak);
        while (value > seen)
        {
            long was = Interlocked.CompareExchange(ref peak, value, seen);
            if (was == seen) return;
            seen = was;
        }
    }

    /// <summary>Files and bytes of one (plan node, kind of operator): a file adds its bytes to the tally it was created under.</summary>
    internal sealed class Tally(int node, SpillOperator kind)
    {
        public readonly int Node = node;
        public readonly SpillOperator Kind = kind;
        public int Files;
        public long Bytes;
    }

    private const int OperatorSlots = 16;
    private readonly Dictionary<(int Node, SpillOperator Kind), Tally> tallies = [];
    private IReadOnlyDictionary<OperatorNode, int> positions = new Dictionary<OperatorNode, int>();

    /// <summary>
    /// The positions of the plan's nodes in the plan EXPLAIN shows (1 = its first line; see
    /// <see cref="CompiledPlan.Positions"/>), for the figures by node. Set before the execution runs.
    /// </summary>
    public void AttachPlan(IReadOnlyDictionary<OperatorNode, int> planPositions) => positions = planPositions;

    /// <summary>
    /// A node's position in the plan EXPLAIN shows, or that of the node it was made for
    /// (<see cref="OperatorNode.RunsFor"/>); 0 for a node EXPLAIN does not show (or no node).
    /// </summary>
    public int PositionOf(OperatorNode? node)
    {
        for (var n = node; n is not null; n = n.RunsFor)
            if (positions.TryGetValue(n, out int p)) return p;
        return 0;
    }

    /// <summary>
    /// The spill files of this execution by plan node and kind of operator, ordered by node then
    /// kind, with their files and bytes (EXPLAIN ANALYZE's figures, sent in DONE). Node 0: files of
    /// a node the plan does not show.
    /// </summary>
    public IReadOnlyList<(int Node, SpillOperator Operator, int Files, long Bytes)> ByNode()
    {
        lock (gate)
            return [.. tallies.Values.Where(t => Volatile.Read(ref t.Files) > 0)
                .OrderBy(t => t.Node).ThenBy(t => t.Kind)
                .Select(t => (t.Node, t.Kind, Volatile.Read(ref t.Files), Interlocked.Read(ref t.Bytes)))];
    }

    /// <summary>The same figures summed by kind of operator, in SpillOperator order.</summary>
    public IReadOnlyList<(SpillOperator Operator, int Files, long Bytes)> ByOperator() =>
        [.. ByNode().GroupBy(e => e.Operator).OrderBy(g => g.Key).Select(g => (g.Key, g.Sum(e => e.Files), g.Sum(e => e.Bytes)))];

    /// <summary>A new file of <paramref name="owner"/>, whose stream buffers <paramref name="bufferBytes"/> (64 kB unless a buffering operator sizes it from its budget).</summary>
    internal SpillFile Create(SpillOwner owner, int bufferBytes = SpillFile.DefaultBufferBytes)
    {
        if ((uint)owner.Kind >= OperatorSlots) throw new ArgumentOutOfRangeException(nameof(owner), owner.Kind, "spill operator kinds fit in 16 slots");
        System.IO.Directory.CreateDirectory(Directory);
        long n = Interlocked.Increment(ref nextFile);
        string path = System.IO.Path.Combine(Directory, $"pgsql_tmp{Environment.ProcessId}.pgfusion.{n}");
        int node = PositionOf(owner.Node);
        Tally tally;
        lock (gate)
        {
            if (!tallies.TryGetValue((node, owner.Kind), out tally!))
                tallies[(node, owner.Kind)] = tally = new Tally(node, owner.Kind);
        }
        var file = new SpillFile(this, path, tally, bufferBytes);
        lock (gate) files.Add(file);
        Interlocked.Increment(ref created);
        Interlocked.Increment(ref tally.Files);
        return file;
    }

    internal void AddBytes(Tally owner, long written)
    {
        Interlocked.Add(ref bytes, written);
        Interlocked.Add(ref owner.Bytes, written);
    }

    internal void Forget(SpillFile file)
    {
        lock (gate) files.Remove(file);
    }

    public void Dispose()
    {
        SpillFile[] open;
        lock (gate)
        {
            open = [.. files];
            files.Clear();
        }
        foreach (var f in open) f.Dispose();
    }
}
