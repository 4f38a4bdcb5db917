namespace PgFusion.TestSupport.Slt;

/// <summary>One failed record: where, what kind, and the evidence (SQL and a diff or the error).</summary>
public sealed record SltFailure(string Location, string Label, string Kind, string Sql, string Detail)
{
    public override string ToString() =>
        $"{Location} [{Label}] {Kind}\n  query: {Sql.Replace("\n", "\n         ", StringComparison.Ordinal)}\n  {Detail.Replace("\n", "\n  ", StringComparison.Ordinal)}";
}
