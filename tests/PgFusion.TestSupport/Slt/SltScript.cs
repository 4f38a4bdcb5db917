namespace PgFusion.TestSupport.Slt;

/// <summary>A parsed .slt file: its records in order (includes already inlined) and its file-level directives.</summary>
/// <param name="DefaultOffload">From `# pgfusion: offload required` / `# pgfusion: fallback ok`; fallback when absent.</param>
public sealed record SltScript(string File, SltOffload DefaultOffload, IReadOnlyList<SltRecord> Records)
{
    public SltOffload OffloadOf(SltQuery query) => query.Offload ?? DefaultOffload;

    public int QueryCount => Records.Count(r => r is SltQuery);

    public int StatementCount => Records.Count(r => r is SltStatement);
}
