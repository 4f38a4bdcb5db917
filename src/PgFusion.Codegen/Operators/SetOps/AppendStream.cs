using PgFusion.Arrow;
using PgFusion.Codegen.Execution;

namespace PgFusion.Codegen.Operators.SetOps;

/// <summary>Runtime of <see cref="AppendNode"/>: opens each input when the previous one is exhausted.</summary>
internal sealed class AppendStream(IReadOnlyList<OperatorNode> inputs, ExecutionContext context) : IBatchSource
{
    private int current;
    private IBatchSource? source;

    public RecordBatch? Next(CancellationToken cancellation)
    {
        while (current < inputs.Count)
        {
            source ??= inputs[current].Open(context);
            if (source.Next(cancellation) is { } batch)
            {
                if (batch.LiveRows > 0) return batch;
                continue;
            }
            source = null;
            current++;
        }
        return null;
    }
}
