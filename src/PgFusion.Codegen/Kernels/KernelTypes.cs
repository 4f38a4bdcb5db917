using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Kernels;

/// <summary>The CLR type a kernel computes a PostgreSQL type in, matching PgArrowMapping's column element types.</summary>
public static class KernelTypes
{
    public static Type? ClrType(PgType type) => type.Oid switch
    {
        PgTypeOid.Bool => typeof(bool),
        PgTypeOid.Int2 => typeof(short),
        PgTypeOid.Int4 or PgTypeOid.Date => typeof(int),
        PgTypeOid.Int8 or PgTypeOid.Time or PgTypeOid.Timestamp or PgTypeOid.Timestamptz => typeof(long),
        PgTypeOid.Oid => typeof(uint),
        PgTypeOid.Float4 => typeof(float),
        PgTypeOid.Float8 => typeof(double),
        PgTypeOid.Numeric => typeof(PgNumeric),
        PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Name or PgTypeOid.Bytea => typeof(TextRef),
        PgTypeOid.Uuid => typeof(UInt128),
        PgTypeOid.Interval => typeof(PgInterval),
        _ => null,
    };

    public static Type Require(PgType type) =>
        ClrType(type) ?? throw new UnsupportedException($"type {type} is not supported");
}
