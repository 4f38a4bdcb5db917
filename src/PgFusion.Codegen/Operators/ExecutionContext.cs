using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;

namespace PgFusion.Codegen.Operators;

/// <summary>What one execution of a compiled query runs with: the scans, cancellation, kernel state.</summary>
public sealed class ExecutionContext(IScanProvider scans, CancellationToken cancellation, Spill.SpillSpace? spill = null)
{
    public IScanProvider Scans { get; } = scans;

    public CancellationToken Cancellation { get; } = cancellation;

    public KernelContext Kernel { get; } = new();

    /// <summary>The memory budget of each buffering operator and the temporary files they spill to.</summary>
    public Spill.SpillSpace Spill { get; } = spill ?? Operators.Spill.SpillSpace.Unlimited;

    /// <summary>Per-execution state operators share, keyed by their plan-side object (index-probe joins).</summary>
    public Dictionary<object, object> Shared { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Rows per batch the buffering operators emit.</summary>
    public const int BatchRows = 1024;
}
