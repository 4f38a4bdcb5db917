using PgFusion.Arrow;
using PgFusion.Codegen.Execution;

namespace PgFusion.Codegen.Operators;

/// <summary>One row with no columns (PostgreSQL's Result without a subplan).</summary>
public sealed class OneRowNode() : OperatorNode([])
{
    public override IReadOnlyList<OperatorNode> Children => [];

    public override string Describe() => "Result (one row)";

    public override IBatchSource Open(ExecutionContext context) => new Stream();

    private sealed class Stream : IBatchSource
    {
        private bool _done;

        public RecordBatch? Next(CancellationToken cancellation)
        {
            if (_done) return null;
            _done = true;
            return new RecordBatch([], 1);
        }
    }
}
