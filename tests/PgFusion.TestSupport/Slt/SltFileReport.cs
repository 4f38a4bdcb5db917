using System.Text;

namespace PgFusion.TestSupport.Slt;

/// <summary>What running one .slt file did.</summary>
/// <param name="Compared">True when pg_fusion was loaded and every query ran off and on; false: off side only.</param>
/// <param name="ExplainChecks">EXPLAIN assertions evaluated (explain-match/-not-match and the offload check).</param>
/// <param name="ExplainChecksSkipped">EXPLAIN assertions that could not be evaluated because pg_fusion is not loaded.</param>
public sealed record SltFileReport(
    string File,
    bool Compared,
    int Statements,
    int Queries,
    int ExplainChecks,
    int ExplainChecksSkipped,
    IReadOnlyList<SltFailure> Failures)
{
    /// <summary>One line per query: label, line, and what the oracle returned (row count or SQLSTATE).</summary>
    public IReadOnlyList<string> QueryLog { get; init; } = [];

    public bool Passed => Failures.Count == 0;

    public string Summary
    {
        get
        {
            var sb = new StringBuilder();
            sb.Append($"{File}: {Statements} statements, {Queries} queries, ");
            sb.Append(Compared
                ? $"compared pg_fusion off vs on, {ExplainChecks} EXPLAIN checks"
                : $"OFF SIDE ONLY: pg_fusion is not loaded in this cluster, so no off/on comparison was possible "
                  + $"(each query was run on PostgreSQL and checked to succeed or fail as declared; {ExplainChecksSkipped} EXPLAIN checks not evaluated)");
            sb.Append($"; {Failures.Count} failures");
            return sb.ToString();
        }
    }

    public override string ToString()
    {
        var sb = new StringBuilder(Summary);
        foreach (var f in Failures) sb.Append("\n\n").Append(f);
        if (QueryLog.Count > 0) sb.Append("\n\nqueries (pg_fusion off):\n  ").AppendJoin("\n  ", QueryLog);
        return sb.ToString();
    }
}
