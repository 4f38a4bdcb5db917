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

    /// <summary>Stages of the filter right above that the scan may apply while decoding (late materialization), or null.</summary>
    public ScanPrefilter? Prefilter { get; init; }

    public override IBatchSource Open(ExecutionContext context) => Prefilter is null ? context.Scans.OpenScan(Scan) : context.Scans.OpenScan(Scan, Prefilter);
}
