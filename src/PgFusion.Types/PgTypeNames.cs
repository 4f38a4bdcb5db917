namespace PgFusion.Types;

/// <summary>Type names as format_type() prints them, for EXPLAIN, dumps and error messages.</summary>
public static class PgTypeNames
{
    public static string Format(PgType type) => type.Oid switch
    {
        PgTypeOid.Bool => "boolean",
        PgTypeOid.Bytea => "bytea",
        PgTypeOid.Char => "\"char\"",
        PgTypeOid.Name => "name",
        PgTypeOid.Int8 => "bigint",
        PgTypeOid.Int2 => "smallint",
        PgTypeOid.Int4 => "integer",
        PgTypeOid.Text => "text",
        PgTypeOid.Oid => "oid",
        PgTypeOid.Float4 => "real",
        PgTypeOid.Float8 => "double precision",
        PgTypeOid.Bpchar => type.CharLength is { } n ? $"character({n})" : "bpchar",
        PgTypeOid.Varchar => type.CharLength is { } n ? $"character varying({n})" : "character varying",
        PgTypeOid.Date => "date",
        PgTypeOid.Time => "time without time zone",
        PgTypeOid.Timestamp => "timestamp without time zone",
        PgTypeOid.Timestamptz => "timestamp with time zone",
        PgTypeOid.Interval => "interval",
        PgTypeOid.Numeric => type.NumericPrecision is { } p ? $"numeric({p},{type.NumericScale})" : "numeric",
        PgTypeOid.Uuid => "uuid",
        _ => $"type {type.Oid}",
    };
}
