using PgFusion.Arrow;
using PgFusion.Codegen.Execution;

namespace PgFusion.Codegen.Operators;

/// <summary>
/// Runtime of a one-time <see cref="FilterNode"/> (PostgreSQL's gating Result, ExecResult's
/// rs_checkqual): on the first call the predicate is evaluated once, before the input is opened;
/// false or NULL ends the stream without opening the input, true passes its batches through.
/// </summary>
internal sealed class OneTimeFilterStream(FilterNode node, ExecutionContext context) : IBatchSource
{
    private IBatchSource? input;
    private bool shut;

    public RecordBatch? Next(CancellationToken cancellation)
    {
        if (shut) return null;
        if (input is null)
        {
            if (!node.PassesOneTime(context))
            {
                shut = true;
                return null;
            }
            input = node.Input.Open(context);
        }
        return input.Next(cancellation);
    }
}
