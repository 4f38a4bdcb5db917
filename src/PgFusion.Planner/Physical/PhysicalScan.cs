using PgFusion.Types;

namespace PgFusion.Planner.Physical;

/// <summary>
/// A sequential scan of a heap relation. <paramref name="ScanId"/> numbers the scans of one
/// query (0, 1, ...); the worker asks the backend for the pages of range-table entry
/// <paramref name="RangeTableIndex"/> (1-based, as in the Query's rtable) under that id.
/// The output is exactly <paramref name="AttNums"/>, in that order: the decoder reads only those
/// attributes.
/// </summary>
public sealed record PhysicalScan(
    int ScanId,
    int RangeTableIndex,
    RelationLayout Relation,
    IReadOnlyList<int> AttNums,
    IReadOnlyList<OutputColumn> Output,
    double EstimatedRows) : PhysicalPlan(Output, EstimatedRows)
{
    public override IReadOnlyList<PhysicalPlan> Children => [];
}
