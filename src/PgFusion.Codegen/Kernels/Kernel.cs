using System.Linq.Expressions;

namespace PgFusion.Codegen.Kernels;

/// <summary>A compiled kernel: its delegate, the expression tree it came from (for dumps) and its cache key.</summary>
public sealed class Kernel<TDelegate> where TDelegate : Delegate
{
    private readonly Func<Expression<TDelegate>> source;
    private readonly Func<TimeSpan> compileTime;

    public Kernel(string name, string key, Expression<TDelegate> source, TDelegate run, TimeSpan compileTime)
        : this(name, key, () => source, run, () => compileTime)
    {
    }

    /// <summary>
    /// A kernel part of which compiles on first use (the general variant of a fixed-scale numeric
    /// kernel): its tree and compile time are asked for when needed.
    /// </summary>
    public Kernel(string name, string key, Func<Expression<TDelegate>> source, TDelegate run, Func<TimeSpan> compileTime)
    {
        Name = name;
        Key = key;
        this.source = source;
        this.run = run;
        this.compileTime = compileTime;
    }

    /// <summary>A kernel still compiling (<see cref="ParallelCompileScope"/>): <see cref="Run"/> waits for <paramref name="compiled"/>.</summary>
    public Kernel(string name, string key, Func<Expression<TDelegate>> source, Func<TDelegate> compiled, Func<TimeSpan> compileTime)
    {
        Name = name;
        Key = key;
        this.source = source;
        this.compiled = compiled;
        this.compileTime = compileTime;
    }

    private TDelegate? run;
    private readonly Func<TDelegate>? compiled;

    public string Name { get; }

    public string Key { get; }

    /// <summary>The tree <see cref="Run"/> was compiled from (for a fixed-scale kernel, the general variant's).</summary>
    public Expression<TDelegate> Source => source();

    public TDelegate Run => run ?? (run = compiled!());

    /// <summary>Time spent building and compiling this kernel's trees so far.</summary>
    public TimeSpan CompileTime => compileTime();

    /// <summary>
    /// The fixed-scale numeric variant's tree, when the kernel has one: <see cref="Run"/> takes it
    /// on batches whose numeric columns qualify and falls back to <see cref="Source"/>'s kernel.
    /// </summary>
    public Expression<TDelegate>? FixedScaleSource { get; init; }
}

/// <summary>
/// The compiled delegates behind a kernel whose Run only dispatches between them (a fixed-scale
/// numeric kernel and its general fallback), for dumps that show each one's IL.
/// </summary>
public static class KernelVariants
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Delegate, Func<IReadOnlyList<(string Variant, Delegate Compiled)>>> Table = new();

    public static void Register(Delegate dispatcher, Func<IReadOnlyList<(string Variant, Delegate Compiled)>> variants) =>
        Table.AddOrUpdate(dispatcher, variants);

    /// <summary>The variants registered for <paramref name="run"/>, else <paramref name="run"/> itself.</summary>
    public static IReadOnlyList<(string Variant, Delegate Compiled)> Of(Delegate run) =>
        Table.TryGetValue(run, out var variants) ? variants() : [("", run)];
}
