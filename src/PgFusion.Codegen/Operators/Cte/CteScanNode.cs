using PgFusion.Codegen.Execution;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>
/// One reference to a materialized CTE. The first reference in the plan lists the
/// <see cref="MaterializeNode"/> as its child (so EXPLAIN shows the CTE's plan once).
/// </summary>
public sealed class CteScanNode(MaterializeNode source, IReadOnlyList<OutputColumn> output, bool showsSource) : OperatorNode(output)
{
    public MaterializeNode Source { get; } = source;

    public override IReadOnlyList<OperatorNode> Children => showsSource ? [Source] : [];

    public override string Describe() =>
        $"CTE Scan on {Source.Cte.Name} #{Source.Cte.Id}{(showsSource ? "" : " (shared)")}  (rows={Source.Cte.Plan.EstimatedRows:0})";

    public override IBatchSource Open(ExecutionContext context) => new CteScanStream(this, context);
}
