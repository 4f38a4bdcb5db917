namespace PgFusion.TestSupport.Slt;

/// <summary>
/// `query &lt;types&gt; [rowsort|nosort] [label] [fallback-ok|offload] [tolerance X]` or
/// `query error [SQLSTATE] [label] ...`: run with pg_fusion off (the oracle) and on, and compared.
/// </summary>
/// <param name="ColumnTypes">One letter per result column (see <see cref="SltColumnTypes"/>); empty for `query error`.</param>
/// <param name="Label">Names the query in reports; defaults to its line.</param>
/// <param name="Offload">Null: the file's default applies.</param>
/// <param name="Tolerance">Relative tolerance for float (R) columns; null means exact text.</param>
/// <param name="ExplainMatch">Regexes the EXPLAIN output (pg_fusion on) must match.</param>
/// <param name="ExplainNotMatch">Regexes the EXPLAIN output (pg_fusion on) must not match.</param>
public sealed record SltQuery(
    string File,
    int Line,
    string Sql,
    string ColumnTypes,
    SltSortMode SortMode,
    string Label,
    bool ExpectError,
    string? SqlState,
    SltOffload? Offload,
    double? Tolerance,
    IReadOnlyList<string> ExplainMatch,
    IReadOnlyList<string> ExplainNotMatch)
    : SltRecord(File, Line, Sql)
{
    /// <summary>
    /// Regexes the EXPLAIN ANALYZE output (pg_fusion on) must match: figures only a run shows, such
    /// as the spill lines (`explain-analyze-match ^\s+Spill: WindowAgg \d+ files?`). The query runs once more for it.
    /// </summary>
    public IReadOnlyList<string> ExplainAnalyzeMatch { get; init; } = [];
}
