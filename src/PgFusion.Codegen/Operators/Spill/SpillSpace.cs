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

    private int probeOuterSpills;

    /// <summary>How many index-probe joins wrote part of their outer input to a file.</summary>
    public int IndexProbeOuterSpills => Volatile.Read(ref probeOuterSpills);

    internal void CountIndexProbeOuterSpill() => Interlocked.Increment(ref probeOuterSpills);

    private long probeKeyPeak;

    /// <summary>The most bytes one index-probe join's set of distinct keys held at once in this execution.</summary>
    public long IndexProbeKeyPeakBytes => Interlocked.Read(ref probeKeyPeak);

    internal void NoteIndexProbeKeyBytes(long peak)
    {
        long seen = Interlocked.Read(ref probeKeyPeak);
        while (peak > seen)
        {
            long was = Interlocked.CompareExchange(ref probeKeyPeak, peak, seen);
            if (was == seen) break;
            seen = was;
        }
    }

    // per SpillOperator value: files created and bytes written by that kind of operator
    private readonly int[] filesBy = new int[OperatorSlots];
    private readonly long[] bytesBy = new long[OperatorSlots];
    private const int OperatorSlots = 16;

    /// <summary>
    /// The kinds of operator that wrote spill files in this execution, in SpillOperator order, with
    /// their files and bytes (EXPLAIN ANALYZE's per-operator figures, sent in DONE).
    /// </summary>
    public IReadOnlyList<(SpillOperator Operator, int Files, long Bytes)> ByOperator()
    {
        var list = new List<(SpillOperator, int, long)>();
        for (int k = 0; k < OperatorSlots; k++)
        {
            int n = Volatile.Read(ref filesBy[k]);
            if (n > 0) list.Add(((SpillOperator)k, n, Interlocked.Read(ref bytesBy[k])));
        }
        return list;
    }

    internal SpillFile Create(SpillOperator owner)
    {
        if ((uint)owner >= OperatorSlots) throw new ArgumentOutOfRangeException(nameof(owner), owner, "spill operator kinds fit in 16 slots");
        System.IO.Directory.CreateDirectory(Directory);
        long n = Interlocked.Increment(ref nextFile);
        string path = System.IO.Path.Combine(Directory, $"pgsql_tmp{Environment.ProcessId}.pgfusion.{n}");
        var file = new SpillFile(this, path, owner);
        lock (gate) files.Add(file);
        Interlocked.Increment(ref created);
        Interlocked.Increment(ref filesBy[(int)owner]);
        return file;
    }

    internal void AddBytes(SpillOperator owner, long written)
    {
        Interlocked.Add(ref bytes, written);
        Interlocked.Add(ref bytesBy[(int)owner], written);
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
