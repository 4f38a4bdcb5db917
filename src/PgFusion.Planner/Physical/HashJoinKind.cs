namespace PgFusion.Planner.Physical;

/// <summary>
/// A hash join's semantics in terms of its probe and build inputs. Semi and anti joins (and
/// NOT IN's null-aware anti join) output the probe rows only and build the right input;
/// <see cref="BuildSemi"/> and <see cref="BuildAnti"/> are the same joins with the left (kept)
/// input as the build side, chosen when it is the smaller one.
/// </summary>
public enum HashJoinKind
{
    Inner,
    /// <summary>Every probe row appears; unmatched ones with NULL build columns.</summary>
    ProbeOuter,
    /// <summary>Every build row appears; unmatched ones with NULL probe columns.</summary>
    BuildOuter,
    Full,
    Semi,
    Anti,
    /// <summary>NOT IN: see <see cref="Logical.LogicalJoinType.NullAwareAnti"/>.</summary>
    NullAwareAnti,
    /// <summary>Semi join that builds its left input: each build row with a match, once, after the probe input ends.</summary>
    BuildSemi,
    /// <summary>Anti join (NOT EXISTS) that builds its left input: the build rows without a match, after the probe input ends.</summary>
    BuildAnti,
}
