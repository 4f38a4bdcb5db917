namespace PgFusion.TestSupport.Slt;

/// <summary>
/// Where the runner sends SQL. The real one is <see cref="PgSltBackend"/>; tests of the runner wrap
/// it to tamper with one side and prove that mismatches are caught.
/// </summary>
public interface ISltBackend
{
    /// <summary>True when pg_fusion is loaded, so an "on" side exists to compare with.</summary>
    bool FusionLoaded { get; }

    /// <summary>Runs a statement with pg_fusion off; null on success.</summary>
    QueryError? ExecuteStatement(string sql);

    /// <summary>Runs a query on one side; <paramref name="offload"/> sets pg_fusion.on_unsupported for the "on" side.</summary>
    QueryOutcome RunQuery(string sql, FusionSide side, SltOffload offload);

    /// <summary>EXPLAIN output (one string, lines joined by newlines) with pg_fusion on, or the error.</summary>
    QueryOutcome Explain(string sql, SltOffload offload);

    /// <summary>EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) output with pg_fusion on, or the error.</summary>
    QueryOutcome ExplainAnalyze(string sql, SltOffload offload);
}
