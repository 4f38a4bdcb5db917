using PgFusion.Arrow;

namespace PgFusion.Codegen.Execution;

/// <summary>A stream of batches. The batch returned may be reused by the source after the next call.</summary>
public interface IBatchSource
{
    /// <summary>The next batch, or null at the end.</summary>
    RecordBatch? Next(CancellationToken cancellation);
}
