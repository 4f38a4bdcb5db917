namespace PgFusion.Fuzz.Schema;

/// <summary>The value domain of a column or expression, as PostgreSQL types it.</summary>
public enum ColumnKind
{
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Text,
    Varchar,
    Bpchar,
    Date,
    Timestamp,
    Interval,
    Time,
    Timestamptz,
    Uuid,
    Bytea,
}

public static class ColumnKinds
{
    public static bool IsInteger(this ColumnKind k) => k is ColumnKind.Int2 or ColumnKind.Int4 or ColumnKind.Int8;

    public static bool IsFloat(this ColumnKind k) => k is ColumnKind.Float4 or ColumnKind.Float8;

    public static bool IsNumber(this ColumnKind k) => k.IsInteger() || k.IsFloat() || k == ColumnKind.Numeric;

    public static bool IsString(this ColumnKind k) => k is ColumnKind.Text or ColumnKind.Varchar or ColumnKind.Bpchar;

    /// <summary>Two kinds compare with each other without casts (PostgreSQL has the cross-type operator).</summary>
    public static bool Comparable(ColumnKind a, ColumnKind b) =>
        a == b
        || (a.IsNumber() && b.IsNumber())
        || (a.IsString() && b.IsString())
        || (a is ColumnKind.Date or ColumnKind.Timestamp && b is ColumnKind.Date or ColumnKind.Timestamp);

    /// <summary>The SQL type name used in casts to this kind.</summary>
    public static string SqlName(this ColumnKind k) => k switch
    {
        ColumnKind.Bool => "bool",
        ColumnKind.Int2 => "int2",
        ColumnKind.Int4 => "int4",
        ColumnKind.Int8 => "int8",
        ColumnKind.Float4 => "float4",
        ColumnKind.Float8 => "float8",
        ColumnKind.Numeric => "numeric",
        ColumnKind.Text => "text",
        ColumnKind.Varchar => "varchar",
        ColumnKind.Bpchar => "bpchar",
        ColumnKind.Date => "date",
        ColumnKind.Timestamp => "timestamp",
        ColumnKind.Interval => "interval",
        ColumnKind.Time => "time",
        ColumnKind.Timestamptz => "timestamptz",
        ColumnKind.Uuid => "uuid",
        ColumnKind.Bytea => "bytea",
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };
}
