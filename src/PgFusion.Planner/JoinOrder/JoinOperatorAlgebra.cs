namespace PgFusion.Planner.JoinOrder;

/// <summary>
/// Tables 2 and 3 of Moerkotte, Fender, Eich (SIGMOD 2013), for inner (B), left outer (E), full
/// outer (K), semi (N) and anti (A) joins; "+ under null rejection" entries check the predicate of
/// the operator that would move. As the paper does for operator pairs that are not adjacent, the
/// null-rejection test looks at the whole input the other operator sits in.
/// </summary>
internal static class JoinOperatorAlgebra
{
    /// <summary>assoc(a, b): (e1 a e2) b e3 ≡ e1 a (e2 b e3); <paramref name="a"/> is below <paramref name="b"/> on its left, or b below a on a's right.</summary>
    public static bool Associative(OperatorInfo a, OperatorInfo b)
    {
        var ka = a.Op.Kind;
        var kb = b.Op.Kind;
        if (ka is JoinKind.LeftOuter or JoinKind.FullOuter && kb == JoinKind.LeftOuter)
            return b.RejectsNullsOn(b.Op.Left.Relations);
        if (ka == JoinKind.FullOuter && kb == JoinKind.FullOuter)
            return a.RejectsNullsOn(a.Op.Right.Relations) && b.RejectsNullsOn(b.Op.Left.Relations);
        return ka == JoinKind.Inner && kb != JoinKind.FullOuter;
    }

    /// <summary>l-asscom(a, b): (e1 a e2) b e3 ≡ (e1 b e3) a e2.</summary>
    public static bool LeftAsscom(OperatorInfo a, OperatorInfo b)
    {
        var ka = a.Op.Kind;
        var kb = b.Op.Kind;
        if (ka == JoinKind.LeftOuter)
            return kb != JoinKind.FullOuter || a.RejectsNullsOn(a.Op.Left.Relations);
        if (ka == JoinKind.FullOuter)
        {
            return kb switch
            {
                // (e1 ⟗ e2) ⟕p13 e3: e2's unmatched rows reach the left join with e1 NULL-padded, and
                // must find no e3 partner, as they do when the full join comes last: p13 rejects nulls on e1.
                JoinKind.LeftOuter => b.RejectsNullsOn(a.Op.Left.Relations),
                JoinKind.FullOuter => a.RejectsNullsOn(a.Op.Left.Relations) && b.RejectsNullsOn(b.Op.Left.Relations),
                _ => false,
            };
        }
        return kb != JoinKind.FullOuter;
    }

    /// <summary>r-asscom(a, b): e1 a (e2 b e3) ≡ e2 b (e1 a e3).</summary>
    public static bool RightAsscom(OperatorInfo a, OperatorInfo b)
    {
        if (a.Op.Kind == JoinKind.FullOuter && b.Op.Kind == JoinKind.FullOuter)
            return a.RejectsNullsOn(a.Op.Right.Relations) && b.RejectsNullsOn(b.Op.Right.Relations);
        return a.Op.Kind == JoinKind.Inner && b.Op.Kind == JoinKind.Inner;
    }
}
