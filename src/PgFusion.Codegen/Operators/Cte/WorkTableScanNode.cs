using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>The recursive term's read of the previous iteration's rows (PostgreSQL's WorkTableScan).</summary>
public sealed class WorkTableScanNode(WorkTable workTable, IReadOnlyList<OutputColumn> output) : OperatorNode(output)
{
    public WorkTable WorkTable { get; } = workTable;

    internal ColumnOps[] RowOps { get; } = [.. output.Select(o => ColumnOps.For(o.Type))];

    public override IReadOnlyList<OperatorNode> Children => [];

    public override string Describe() => $"Work Table Scan on {WorkTable.Name} #{WorkTable.Id}";

    public override IBatchSource Open(ExecutionContext context) => new WorkTableScanStream(this, context);
}
