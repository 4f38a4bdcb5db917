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
}
