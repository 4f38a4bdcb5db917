using PgFusion.Codegen.Execution;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen;

/// <summary>
/// A query ready to run: thread-safe and reusable (the worker caches it); each Execute runs the
/// operator tree once, pulling batches from the scans and writing MinimalTuples to the sink.
/// Errors with SQLSTATE are raised as PgFusionException.
/// </summary>
public abstract class CompiledQuery
{
    public abstract IReadOnlyList<OutputColumn> Output { get; }

    /// <summary>EXPLAIN text: the physical plan with estimated rows.</summary>
    public abstract string Explain { get; }

    public abstract void Execute(IScanProvider scans, IResultSink sink, CancellationToken cancellation);

    /// <summary>
    /// Execute with a memory budget per buffering operator and a place for the files they spill to;
    /// the caller disposes <paramref name="spill"/> (deleting the files) when the execution ends.
    /// </summary>
    public virtual void Execute(IScanProvider scans, IResultSink sink, Operators.Spill.SpillSpace spill, CancellationToken cancellation) =>
        Execute(scans, sink, cancellation);
}
