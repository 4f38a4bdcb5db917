namespace PgFusion.TestSupport.Slt;

/// <summary>What the "on" run demands of pg_fusion for a query.</summary>
public enum SltOffload
{
    /// <summary>Falling back to PostgreSQL's own plan is fine (pg_fusion.on_unsupported = fallback).</summary>
    FallbackOk,

    /// <summary>pg_fusion must run the query (pg_fusion.on_unsupported = error, and EXPLAIN shows PgFusionScan).</summary>
    Required,
}
