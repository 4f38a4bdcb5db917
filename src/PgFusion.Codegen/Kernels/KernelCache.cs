using System.Collections.Concurrent;
using System.Diagnostics;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// Compiled kernels by canonical key (kernel kind + expression shapes + input types + layout
/// version). Shared by all queries; thread-safe; a key compiles once.
/// </summary>
public sealed class KernelCache
{
    /// <summary>Bumped when the column layout kernels read changes, so stale kernels are never reused.</summary>
    public const int LayoutVersion = 1;

    public static KernelCache Shared { get; } = new();

    private readonly ConcurrentDictionary<string, Lazy<object>> kernels = new();
    private long hits;
    private long compiles;
    private long compileTicks;

    public long Hits => Interlocked.Read(ref hits);

    public long Compiles => Interlocked.Read(ref compiles);

    public TimeSpan CompileTime => TimeSpan.FromTicks(Interlocked.Read(ref compileTicks));

    public int Count => kernels.Count;

    public Kernel<T> GetOrCompile<T>(string name, string shapeKey, Func<System.Linq.Expressions.Expression<T>> build) where T : Delegate
    {
        string key = $"v{LayoutVersion}|{typeof(T).Name}|{shapeKey}";
        bool created = false;
        var lazy = kernels.GetOrAdd(key, k => new Lazy<object>(() =>
        {
            created = true;
            var sw = Stopwatch.StartNew();
            var tree = build();
            var compiled = tree.Compile();
            sw.Stop();
            Interlocked.Increment(ref compiles);
            Interlocked.Add(ref compileTicks, sw.Elapsed.Ticks);
            return new Kernel<T>(name, k, tree, compiled, sw.Elapsed);
        }));
        try
        {
            var kernel = (Kernel<T>)lazy.Value;
            if (!created) Interlocked.Increment(ref hits);
            return kernel;
        }
        catch
        {
            kernels.TryRemove(key, out _);
            throw;
        }
    }

    public void Clear() => kernels.Clear();
}
