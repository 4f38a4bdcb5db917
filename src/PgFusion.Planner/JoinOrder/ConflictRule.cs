namespace PgFusion.Planner.JoinOrder;

/// <summary>
/// A CD-C conflict rule T1 → T2 (Moerkotte, Fender, Eich 2013): the operator may only be applied to
/// a pair whose union S holds all of <see cref="Required"/> whenever S touches <see cref="Activation"/>.
/// </summary>
public readonly record struct ConflictRule(RelSet Activation, RelSet Required)
{
    public bool IsSatisfiedBy(ulong joined) =>
        (Activation.Bits & joined) == 0 || (Required.Bits & ~joined) == 0;
}
