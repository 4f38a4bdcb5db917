using PgFusion.Types;

namespace PgFusion.Planner.Physical;

/// <summary>
/// One conjunct of the filter over an index-probe join's inner relation, in the form the backend
/// evaluates while it probes (docs/ipc.md 6.3): function <paramref name="FuncOid"/> (a boolean
/// comparison by pg_proc OID) of attribute <paramref name="LeftAttNum"/> and either attribute
/// <paramref name="RightAttNum"/> or, when that is 0, the constant <paramref name="ConstValue"/> of
/// type <paramref name="ConstType"/> (its Datum bits: the integer, days or microseconds, or the
/// float8's bits; for a bpchar or text constant its first <paramref name="ConstLength"/> bytes, at
/// most 8, little-endian: byte i is bits 8i..8i+7).
/// </summary>
public sealed record ProbeCondition(uint FuncOid, int LeftAttNum, int RightAttNum, uint ConstType, long ConstValue, uint ConstLength = 0)
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

    /// <summary>bpchareq, bpcharne, texteq, textne: the only functions of a collatable type a condition may use.</summary>
    public static bool IsTextEquality(uint funcOid) => funcOid is BpcharEq or BpcharNe or TextEq or TextNe;

    private const uint BpcharEq = 1048, BpcharNe = 1053, TextEq = 67, TextNe = 157;

    /// <summary>The most bytes a bpchar or text constant may have (they travel in the 8 bytes of the constant).</summary>
    public const int MaxTextConstBytes = 8;

    /// <summary>
    /// <c>column = 'const'</c> (or <c>&lt;&gt;</c>) over bpchar or text, where the column and the
    /// constant both have the function's argument type (bpchar for bpchareq/bpcharne, text for
    /// texteq/textne) and the constant's UTF-8 bytes (for bpchar without its trailing spaces, which
    /// bpchareq ignores) fit in 8: the condition the backend evaluates byte for byte (docs/ipc.md 6.3),
    /// as the worker evaluates these functions under any collation (PostgreSQL 15 compares bytes for
    /// equality under deterministic collations); null otherwise.
    /// </summary>
    public static ProbeCondition? TextEquality(uint funcOid, int leftAttNum, uint columnType, uint constType, object? value)
    {
        uint argType = funcOid is BpcharEq or BpcharNe ? PgTypeOid.Bpchar : funcOid is TextEq or TextNe ? PgTypeOid.Text : 0;
        if (argType == 0 || columnType != argType || constType != argType || value is not string text) return null;
        if (argType == PgTypeOid.Bpchar) text = text.TrimEnd(' ');
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
        if (bytes.Length > MaxTextConstBytes) return null;
        long bits = 0;
        for (int i = 0; i < bytes.Length; i++)
            bits |= (long)bytes[i] << (8 * i);
        return new ProbeCondition(funcOid, leftAttNum, 0, constType, bits, (uint)bytes.Length);
    }
}
