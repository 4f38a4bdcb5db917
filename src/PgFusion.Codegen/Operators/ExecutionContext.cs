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

    private List<Action>? onFinished;

    /// <summary>
    /// Runs <paramref name="action"/> when the execution ends, however it ends: for operators whose
    /// input may be left unread (a CTE under a LIMIT) and that must then stop threads of their own.
    /// </summary>
    internal void OnFinished(Action action) => (onFinished ??= []).Add(action);

    /// <summary>Runs the <see cref="OnFinished"/> actions, once, in the order they were registered.</summary>
    internal void Finish()
    {
        if (onFinished is not { } actions) return;
        onFinished = null;
        foreach (var action in actions) action();
    }

    /// <summary>Rows per batch the buffering operators emit.</summary>
    public const int BatchRows = 1024;
}
