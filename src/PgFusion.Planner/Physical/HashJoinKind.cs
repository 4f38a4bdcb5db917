namespace PgFusion.Planner.Physical;

/// <summary>
/// A hash join's semantics in terms of its probe and build inputs. Semi and anti joins (and
/// NOT IN's null-aware anti join) output the probe rows only and always build the right input.
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
}
