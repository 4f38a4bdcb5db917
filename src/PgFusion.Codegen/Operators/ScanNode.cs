using PgFusion.Codegen.Execution;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators;

/// <summary>Batches of a heap relation's needed attributes, straight from the scan provider.</summary>
public sealed class ScanNode(PhysicalScan scan) : OperatorNode(scan.Output)
{
    public PhysicalScan Scan { get; } = scan;

    public override IReadOnlyList<OperatorNode> Children => [];

    public override string Describe() =>
        $"Scan #{Scan.ScanId} on {Scan.Relation.Name} (rte {Scan.RangeTableIndex}, attnums [{string.Join(", ", Scan.AttNums)}])  (rows={Scan.EstimatedRows:0})";

    public override IBatchSource Open(ExecutionContext context) => context.Scans.OpenScan(Scan);
}
