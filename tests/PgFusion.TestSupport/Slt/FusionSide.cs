namespace PgFusion.TestSupport.Slt;

/// <summary>Which side of the comparison a query runs on.</summary>
public enum FusionSide
{
    /// <summary>pg_fusion.enable = off: PostgreSQL's own executor, the oracle.</summary>
    Off,

    /// <summary>pg_fusion.enable = on.</summary>
    On,
}
