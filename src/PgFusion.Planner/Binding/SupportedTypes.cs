using PgFusion.Types;

namespace PgFusion.Planner.Binding;

/// <summary>
/// The types a plan may carry. Mirrors PgFusion.Arrow's PgArrowMapping.IsSupported (the Planner
/// does not reference Arrow; keep both lists in step).
/// </summary>
public static class SupportedTypes
{
    public static bool IsSupported(uint oid) => oid is PgTypeOid.Bool or PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8 or PgTypeOid.Oid
        or PgTypeOid.Float4 or PgTypeOid.Float8 or PgTypeOid.Numeric
        or PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Name or PgTypeOid.Bytea
        or PgTypeOid.Uuid or PgTypeOid.Date or PgTypeOid.Time or PgTypeOid.Timestamp or PgTypeOid.Timestamptz
        or PgTypeOid.Interval;

    /// <summary>Collatable types whose ordering depends on the collation.</summary>
    public static bool IsCollatable(uint oid) => oid is PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Name;

    /// <summary>
    /// Collations whose order is byte order: none (0), "default" (100, assumed C: the cluster must
    /// be created with C / C.UTF-8, which the native side checks), "C" (950), "POSIX" (951).
    /// </summary>
    public static bool IsByteOrderCollation(uint collation) => collation is 0 or 100 or 950 or 951;
}
