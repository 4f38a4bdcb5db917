namespace PgFusion.TestSupport.Slt;

/// <summary>One record of an .slt file: a header line, optional directives, and SQL up to the next blank line.</summary>
/// <param name="Line">1-based line of the header in <paramref name="File"/>.</param>
public abstract record SltRecord(string File, int Line, string Sql)
{
    public string Location => $"{File}:{Line}";
}
