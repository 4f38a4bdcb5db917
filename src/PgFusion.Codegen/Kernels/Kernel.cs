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
}
