using System.Linq.Expressions;

namespace PgFusion.Codegen.Kernels;

/// <summary>A compiled kernel: its delegate, the expression tree it came from (for dumps) and its cache key.</summary>
public sealed class Kernel<TDelegate> where TDelegate : Delegate
{
    public Kernel(string name, string key, Expression<TDelegate> source, TDelegate run, TimeSpan compileTime)
    {
        Name = name;
        Key = key;
        Source = source;
        Run = run;
        CompileTime = compileTime;
    }

    public string Name { get; }

    public string Key { get; }

    public Expression<TDelegate> Source { get; }

    public TDelegate Run { get; }

    public TimeSpan CompileTime { get; }

    /// <summary>
    /// The fixed-scale numeric variant's tree, when the kernel has one: <see cref="Run"/> takes it
    /// on batches whose numeric columns qualify and falls back to <see cref="Source"/>'s kernel.
    /// </summary>
    public Expression<TDelegate>? FixedScaleSource { get; init; }
}
