namespace PgFusion.Planner.Logical;

/// <summary>Attribute <paramref name="AttNum"/> of the scanned relation, read into <paramref name="Column"/>.</summary>
public sealed record ScanColumn(int AttNum, LogicalColumn Column);
