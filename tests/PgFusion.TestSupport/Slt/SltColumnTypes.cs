using PgFusion.Types;

namespace PgFusion.TestSupport.Slt;

/// <summary>
/// The column-type letters of a `query` header. They document the result shape and are checked
/// against the oracle's column types, so a query that returns something else than its author
/// thought (say numeric where a float was meant, which changes what tolerance means) fails loudly.
/// </summary>
public static class SltColumnTypes
{
    /// <summary>I integer, R float, N numeric, T text, B bool, D date/time, ? anything.</summary>
    public const string Letters = "IRNTBD?";

    public static bool IsValid(char letter) => Letters.Contains(letter, StringComparison.Ordinal);

    public static bool Accepts(char letter, uint typeOid) => letter switch
    {
        'I' => typeOid is PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8 or PgTypeOid.Oid,
        'R' => typeOid is PgTypeOid.Float4 or PgTypeOid.Float8,
        'N' => typeOid is PgTypeOid.Numeric,
        'T' => typeOid is PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Name
            or PgTypeOid.Char or PgTypeOid.Unknown,
        'B' => typeOid is PgTypeOid.Bool,
        'D' => typeOid is PgTypeOid.Date or PgTypeOid.Timestamp or PgTypeOid.Timestamptz or PgTypeOid.Time
            or PgTypeOid.Interval,
        '?' => true,
        _ => false,
    };
}
