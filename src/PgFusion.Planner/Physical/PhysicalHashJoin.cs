using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Physical;

/// <summary>
/// A hash join. <paramref name="Build"/> is loaded into a hash table on <paramref name="BuildKeys"/>;
/// each <paramref name="Probe"/> row looks up <paramref name="ProbeKeys"/> (key i of both sides has
/// the same type, so equality is the type's own: ints are widened to a common width before).
/// A NULL key never matches. Candidate pairs must also pass <paramref name="Residual"/>, which
/// reads the pair's row in output order: the logical left input's columns, then the right's
/// (<paramref name="BuildIsLeft"/> says which of the two the build side is). Output: that row
/// for inner and outer joins, the probe columns alone for semi and anti joins.
/// </summary>
public sealed record PhysicalHashJoin(
    PhysicalPlan Probe,
    PhysicalPlan Build,
    HashJoinKind Kind,
    IReadOnlyList<BoundExpr> ProbeKeys,
    IReadOnlyList<BoundExpr> BuildKeys,
    BoundExpr? Residual,
    bool BuildIsLeft,
    IReadOnlyList<OutputColumn> Output,
    double EstimatedRows) : PhysicalPlan(Output, EstimatedRows)
{
    /// <summary>
    /// The build input is read before the probe input even where the probe would be read first
    /// (HashJoinStream.ReadsProbeFirst): the build side is a gated one-row sub-query
    /// (<see cref="Logical.LogicalJoin.Gated"/>), PostgreSQL's One-Time Filter over an InitPlan.
    /// </summary>
    public bool BuildFirst { get; init; }

    /// <summary>
    /// PostgreSQL runs this join as a nested loop whose inner input is the build side, rescanned
    /// for every outer (probe) row, although it has hash keys: the build side is a LATERAL
    /// sub-query (<see cref="Logical.LogicalJoin.LateralInner"/>). The probe input is read first
    /// and, when the build side is empty, still to its end (HashJoinStream.IsNestedLoop).
    /// </summary>
    public bool NestLoopInner { get; init; }

    /// <summary>Build first: the hash table is complete before the first probe batch is read.</summary>
    public override IReadOnlyList<PhysicalPlan> Children => [Probe, Build];

    /// <summary>This join with its probe and build sides (and their keys) exchanged, as <paramref name="kind"/>.</summary>
    public PhysicalHashJoin SidesSwapped(HashJoinKind kind, bool buildIsLeft) => this with
    {
        Probe = Build,
        Build = Probe,
        ProbeKeys = BuildKeys,
        BuildKeys = ProbeKeys,
        BuildIsLeft = buildIsLeft,
        Kind = kind,
    };

    /// <summary>Columns of the pair row the residual reads: left input's then right input's.</summary>
    public IReadOnlyList<OutputColumn> PairColumns => BuildIsLeft ? [.. Build.Output, .. Probe.Output] : [.. Probe.Output, .. Build.Output];
}
