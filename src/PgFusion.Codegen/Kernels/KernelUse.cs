namespace PgFusion.Codegen.Kernels;

/// <summary>
/// The kernels one request asked for (from any <see cref="KernelCache"/>): how many it compiled,
/// how long building and compiling them took (summed over kernels, which compile in parallel, so
/// the request's wall time can be shorter), and how many it found cached. The worker records a
/// query's planning and its execution (kernels that compile on first use) and reports both in DONE,
/// which EXPLAIN ANALYZE prints. Thread-safe: execution threads and pool compiles add to it.
/// </summary>
public sealed class KernelUse
{
    // AsyncLocal, not ThreadStatic: execution's pipeline threads (new Thread) inherit it, so a
    // kernel compiled on first use there counts for the query that runs it.
    private static readonly AsyncLocal<KernelUse?> current = new();

    private long compiles;
    private long hits;
    private long compileTicks;

    /// <summary>The recorder of the request running on this thread (null outside <see cref="Record"/>).</summary>
    public static KernelUse? Current => current.Value;

    public long Compiles => Interlocked.Read(ref compiles);

    public long Hits => Interlocked.Read(ref hits);

    public TimeSpan CompileTime => TimeSpan.FromTicks(Interlocked.Read(ref compileTicks));

    /// <summary>Kernels looked up: compiled or found.</summary>
    public long Kernels => Compiles + Hits;

    /// <summary>Makes <paramref name="use"/> the current recorder until the result is disposed (which restores the previous one).</summary>
    public static Scope Record(KernelUse use)
    {
        ArgumentNullException.ThrowIfNull(use);
        var previous = current.Value;
        current.Value = use;
        return new Scope(previous);
    }

    internal void AddCompile() => Interlocked.Increment(ref compiles);

    internal void AddHit() => Interlocked.Increment(ref hits);

    internal void AddCompileTime(long ticks) => Interlocked.Add(ref compileTicks, ticks);

    /// <summary>Restores the recorder that was current before <see cref="Record"/>.</summary>
    public readonly struct Scope(KernelUse? previous) : IDisposable
    {
        public void Dispose() => current.Value = previous;
    }
}
