using System.Collections.Concurrent;
using System.Diagnostics;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// Compiled kernels by canonical key (kernel kind + expression shapes + input types + layout
/// version). Shared by all queries; thread-safe; a key compiles once while it stays cached.
/// The cache holds at most <see cref="Capacity"/> kernels: keys include literal values, so a
/// worker that lives for weeks would otherwise keep one kernel per distinct literal. Past the
/// capacity the least recently used tenth is dropped (queries that hold a kernel keep it alive).
/// </summary>
public sealed class KernelCache
{
    /// <summary>Bumped when the column layout kernels read changes, so stale kernels are never reused.</summary>
    public const int LayoutVersion = 1;

    public const int DefaultCapacity = 4096;

    public static KernelCache Shared { get; } = new();

    private readonly ConcurrentDictionary<string, Entry> kernels = new();
    private readonly Lock evictLock = new();
    private long clock;
    private long evictions;
    private long hits;
    private long compiles;
    private long compileTicks;

    [ThreadStatic] private static long threadHits;
    [ThreadStatic] private static long threadCompiles;

    public long Hits => Interlocked.Read(ref hits);

    /// <summary>
    /// Kernels the calling thread took from a cache (any cache) and kernels it compiled, since the
    /// thread started. A query's compile runs on one thread, so the difference around it counts that
    /// query's kernels only, whatever other sessions compile meanwhile (pg_fusion_explain prints it).
    /// </summary>
    public static (long Hits, long Compiles) ThreadCounts => (threadHits, threadCompiles);

    public long Compiles => Interlocked.Read(ref compiles);

    public TimeSpan CompileTime => TimeSpan.FromTicks(Interlocked.Read(ref compileTicks));

    public int Count => kernels.Count;

    public int Capacity { get; }

    public long Evictions => Interlocked.Read(ref evictions);

    public KernelCache(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    private sealed class Entry(Lazy<object> value)
    {
        public Lazy<object> Value { get; } = value;

        public long LastUse;
    }

    public Kernel<T> GetOrCompile<T>(string name, string shapeKey, Func<System.Linq.Expressions.Expression<T>> build) where T : Delegate
    {
        string key = $"v{LayoutVersion}|{typeof(T).Name}|{shapeKey}";
        bool created = false;
        // captured here: the pool thread that compiles a kernel in parallel does not inherit it
        var use = KernelUse.Current;
        var entry = kernels.GetOrAdd(key, k => new Entry(new Lazy<object>(() =>
        {
            created = true;
            var sw = Stopwatch.StartNew();
            // the tree is built here, so an unsupported expression still fails the query's compile at once
            var tree = build();
            var built = sw.Elapsed;
            Interlocked.Increment(ref compiles);
            if (!ParallelCompileScope.Active)
            {
                var compiled = tree.Compile();
                sw.Stop();
                Interlocked.Add(ref compileTicks, sw.Elapsed.Ticks);
                use?.AddCompileTime(sw.Elapsed.Ticks);
                return new Kernel<T>(name, k, tree, compiled, sw.Elapsed);
            }
            Interlocked.Add(ref compileTicks, built.Ticks);
            use?.AddCompileTime(built.Ticks);
            long compileTime = 0;
            var pending = new PendingCompile<T>(() =>
            {
                var csw = Stopwatch.StartNew();
                try
                {
                    return tree.Compile();
                }
                catch
                {
                    kernels.TryRemove(k, out _);
                    throw;
                }
                finally
                {
                    Interlocked.Exchange(ref compileTime, csw.Elapsed.Ticks);
                    Interlocked.Add(ref compileTicks, csw.Elapsed.Ticks);
                    use?.AddCompileTime(csw.Elapsed.Ticks);
                }
            });
            ParallelCompileScope.Add(pending);
            return new Kernel<T>(name, k, () => tree, () => pending.Result, () => built + TimeSpan.FromTicks(Interlocked.Read(ref compileTime)));
        })));
        Volatile.Write(ref entry.LastUse, Interlocked.Increment(ref clock));
        try
        {
            var kernel = (Kernel<T>)entry.Value.Value;
            if (!created) Interlocked.Increment(ref hits);
            if (created)
            {
                threadCompiles++;
                use?.AddCompile();
            }
            else
            {
                threadHits++;
                use?.AddHit();
            }
            if (kernels.Count > Capacity) Evict();
            return kernel;
        }
        catch
        {
            kernels.TryRemove(key, out _);
            throw;
        }
    }

    public void Clear() => kernels.Clear();

    /// <summary>Drops the least recently used kernels until a tenth of the capacity is free.</summary>
    private void Evict()
    {
        lock (evictLock)
        {
            int excess = kernels.Count - Capacity;
            if (excess <= 0) return;
            int drop = excess + Capacity / 10;
            foreach (var victim in kernels.OrderBy(kv => Volatile.Read(ref kv.Value.LastUse)).Take(drop).ToList())
            {
                if (kernels.TryRemove(victim))
                    Interlocked.Increment(ref evictions);
            }
        }
    }
}
