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

    internal SpillFile Create()
    {
        System.IO.Directory.CreateDirectory(Directory);
        long n = Interlocked.Increment(ref nextFile);
        string path = System.IO.Path.Combine(Directory, $"pgsql_tmp{Environment.ProcessId}.pgfusion.{n}");
        var file = new SpillFile(this, path);
        lock (gate) files.Add(file);
        Interlocked.Increment(ref created);
        return file;
    }

    internal void AddBytes(long written) => Interlocked.Add(ref bytes, written);

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
