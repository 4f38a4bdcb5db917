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

    /// <summary>
    /// As <see cref="OpenScan(PhysicalScan)"/>; the filter above the scan offers stages the
    /// provider may apply while decoding (late materialization): it may leave out rows a stage
    /// rejects. Providers that do not decode pages ignore it.
    /// </summary>
    IBatchSource OpenScan(PhysicalScan scan, ScanPrefilter? prefilter) => OpenScan(scan);
}
