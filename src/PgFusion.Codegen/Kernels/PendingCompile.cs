using System.Runtime.ExceptionServices;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// One kernel's LambdaExpression.Compile (LambdaCompiler + RyuJIT, most of a cold query's compile
/// time), started on the thread pool while the query compiler goes on with the next operators.
/// Whoever needs the delegate first runs it if no pool thread has claimed it yet, so a busy pool
/// never delays a query more than compiling inline would; a failure is rethrown to every caller.
/// </summary>
internal sealed class PendingCompile<T>(Func<T> compile) where T : Delegate
{
    private int claimed;
    private T? result;
    private ExceptionDispatchInfo? error;
    private readonly ManualResetEventSlim done = new();

    public void Start() => ThreadPool.UnsafeQueueUserWorkItem(static p => p.TryRun(), this, preferLocal: false);

    public T Result
    {
        get
        {
            if (Volatile.Read(ref result) is { } r) return r;
            TryRun();
            done.Wait();
            error?.Throw();
            return result!;
        }
    }

    private void TryRun()
    {
        if (Interlocked.Exchange(ref claimed, 1) != 0) return;
        try
        {
            Volatile.Write(ref result, compile());
        }
#pragma warning disable CA1031 // kept and rethrown to the thread that asks for the kernel
        catch (Exception e)
#pragma warning restore CA1031
        {
            error = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            done.Set();
        }
    }
}

/// <summary>
/// The kernels a QueryCompiler.Compile call has started compiling in parallel (per thread, so
/// nested compiles and concurrent sessions keep theirs apart). Outside a scope kernels compile
/// inline, as before.
/// </summary>
public sealed class ParallelCompileScope : IDisposable
{
    [ThreadStatic]
    private static ParallelCompileScope? current;

    private readonly ParallelCompileScope? previous;
    private readonly List<Action> waits = [];

    private ParallelCompileScope()
    {
        previous = current;
        current = this;
    }

    /// <summary>Starts a scope on this thread; <see cref="WaitAll"/> before using its kernels' results.</summary>
    public static ParallelCompileScope Begin() => new();

    /// <summary>PGFUSION_PARALLEL_COMPILE=0 compiles every kernel inline (for A/B measurements, or to rule the pool out).</summary>
    private static readonly bool Enabled = Environment.ProcessorCount > 1 && Environment.GetEnvironmentVariable("PGFUSION_PARALLEL_COMPILE") != "0";

    internal static bool Active => Enabled && current is not null;

    internal static void Add<T>(PendingCompile<T> pending) where T : Delegate
    {
        current!.waits.Add(() => _ = pending.Result);
        pending.Start();
    }

    /// <summary>Waits for (or runs) every kernel started in the scope; rethrows the first failure.</summary>
    public void WaitAll()
    {
        foreach (var w in waits) w();
        waits.Clear();
    }

    public void Dispose() => current = previous;
}
