using PgFusion.Types;

namespace PgFusion.Planner.Physical;

/// <summary>
/// One conjunct of the filter over an index-probe join's inner relation, in the form the backend
/// evaluates while it probes (docs/ipc.md 6.3): function <paramref name="FuncOid"/> (a boolean
/// comparison by pg_proc OID) of attribute <paramref name="LeftAttNum"/> and either attribute
/// <paramref name="RightAttNum"/> or, when that is 0, the constant <paramref name="ConstValue"/> of
/// type <paramref name="ConstType"/> (its Datum bits: the integer, days or microseconds, or the
/// float8's bits).
/// </summary>
public sealed record ProbeCondition(uint FuncOid, int LeftAttNum, int RightAttNum, uint ConstType, long ConstValue)
{
    /// <summary>Types a condition's operands may have: pass-by-value and not collatable.</summary>
    public static bool IsSupportedType(uint oid) => oid is PgTypeOid.Bool or PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8
        or PgTypeOid.Date or PgTypeOid.Timestamp or PgTypeOid.Timestamptz or PgTypeOid.Float8;

    /// <summary>A constant's Datum bits, or null when it cannot be sent (NULL, or another type).</summary>
    public static long? ConstantBits(object? value, uint type) => (type, value) switch
    {
        (PgTypeOid.Bool, bool b) => b ? 1 : 0,
        (PgTypeOid.Int2, short s) => s,
        (PgTypeOid.Int4 or PgTypeOid.Date, int i) => i,
        (PgTypeOid.Int8 or PgTypeOid.Timestamp or PgTypeOid.Timestamptz, long l) => l,
        (PgTypeOid.Float8, double d) => BitConverter.DoubleToInt64Bits(d),
        _ => null,
    };
}
