namespace PgFusion.Types;

/// <summary>
/// A PostgreSQL type as the planner and the kernels see it: the type OID and its typmod
/// (-1 when none). For numeric the typmod is ((precision &lt;&lt; 16) | scale) + 4; for
/// varchar(n) and bpchar(n) it is n + 4.
/// </summary>
public readonly record struct PgType(uint Oid, int Typmod = -1)
{
    public static readonly PgType Bool = new(PgTypeOid.Bool);
    public static readonly PgType Int2 = new(PgTypeOid.Int2);
    public static readonly PgType Int4 = new(PgTypeOid.Int4);
    public static readonly PgType Int8 = new(PgTypeOid.Int8);
    public static readonly PgType Float4 = new(PgTypeOid.Float4);
    public static readonly PgType Float8 = new(PgTypeOid.Float8);
    public static readonly PgType Numeric = new(PgTypeOid.Numeric);
    public static readonly PgType Text = new(PgTypeOid.Text);
    public static readonly PgType Date = new(PgTypeOid.Date);
    public static readonly PgType Timestamp = new(PgTypeOid.Timestamp);

    private const int VarHdrSz = 4;

    /// <summary>numeric(p, s): precision, or null without a typmod.</summary>
    public int? NumericPrecision => Oid == PgTypeOid.Numeric && Typmod >= VarHdrSz ? ((Typmod - VarHdrSz) >> 16) & 0xFFFF : null;

    /// <summary>numeric(p, s): scale (may be negative in PG 15), or null without a typmod.</summary>
    public int? NumericScale => Oid == PgTypeOid.Numeric && Typmod >= VarHdrSz ? (short)(((Typmod - VarHdrSz) & 0x7FF) ^ 1024) - 1024 : null;

    /// <summary>varchar(n) / bpchar(n): n, or null without a typmod.</summary>
    public int? CharLength => (Oid == PgTypeOid.Varchar || Oid == PgTypeOid.Bpchar) && Typmod >= VarHdrSz ? Typmod - VarHdrSz : null;

    public override string ToString() => PgTypeNames.Format(this);
}
