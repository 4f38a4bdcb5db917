using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Execution;

/// <summary>
/// Supplies decoded batches for a plan's scans. The worker implements it over pages the backend
/// serves (HeapDecoder fills the columns); tests implement it over batches they build. Each
/// batch's columns are scan.AttNums in order, created with PgArrowMapping.
/// </summary>
public interface IScanProvider
{
    IBatchSource OpenScan(PhysicalScan scan);
}
