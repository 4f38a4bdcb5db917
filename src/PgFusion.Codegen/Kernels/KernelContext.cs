using PgFusion.Codegen.Values;

namespace PgFusion.Codegen.Kernels;

/// <summary>Per-execution state a kernel may use: the arena for computed text. Not shared between threads.</summary>
public sealed class KernelContext
{
    public TextArena Arena { get; } = new();
}
