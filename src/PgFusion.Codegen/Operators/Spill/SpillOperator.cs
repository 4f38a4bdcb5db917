namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// The kind of operator a spill file belongs to, for the per-operator spill figures of EXPLAIN
/// ANALYZE. The values travel in DONE (docs/ipc.md 5.4) and must equal pgfusion_ipc.h's
/// PgfSpillOperator (tests/PgFusion.Ipc.Tests compares them by name).
/// </summary>
public enum SpillOperator : uint
{
    /// <summary>A sort's runs (ORDER BY, the sort below a window or a merge, top-N past the budget).</summary>
    Sort = 1,

    /// <summary>Hash aggregation (GROUP BY, DISTINCT, UNION's DISTINCT): the rows of groups a frozen table does not hold.</summary>
    HashAggregate = 2,

    /// <summary>The sorted runs of agg(DISTINCT ...) and agg(... ORDER BY ...) inputs.</summary>
    AggregateRuns = 3,

    /// <summary>A grace hash join's build and probe partitions.</summary>
    HashJoin = 4,

    /// <summary>A block nested loop's build blocks and probe file (joins without keys, deep skew).</summary>
    BlockNestedLoop = 5,

    /// <summary>INTERSECT / EXCEPT partitions.</summary>
    SetOp = 6,

    /// <summary>WITH RECURSIVE working tables past the budget.</summary>
    RecursiveUnion = 7,

    /// <summary>WITH RECURSIVE ... UNION's set of rows seen, past the budget.</summary>
    RecursiveUnionSeen = 8,

    /// <summary>Window partitions' pass-through columns.</summary>
    Window = 9,

    /// <summary>An index-probe join's outer input past the budget.</summary>
    IndexProbeOuter = 10,

    /// <summary>An index-probe join's distinct probe keys past the budget (hash partitions of keys its frozen set does not hold).</summary>
    IndexProbeKeys = 11,
}
