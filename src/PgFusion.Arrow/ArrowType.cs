namespace PgFusion.Arrow;

/// <summary>Arrow logical types PgFusion uses (a subset of Schema.fbs's Type union).</summary>
public enum ArrowTypeId : byte
{
    Null,
    Boolean,
    Int16,
    Int32,
    Int64,
    UInt32,
    Float32,
    Float64,
    /// <summary>Decimal128(precision, scale); PgFusion also uses it with a per-value scale (see DecimalColumn).</summary>
    Decimal128,
    Utf8,
    Binary,
    FixedSizeBinary,
    /// <summary>Date32. In memory: days from 2000-01-01 (PostgreSQL's epoch); the IPC writer shifts to 1970.</summary>
    Date32,
    /// <summary>Time64(microsecond).</summary>
    Time64,
    /// <summary>Timestamp(microsecond, tz?). In memory: microseconds from 2000-01-01; the IPC writer shifts to 1970.</summary>
    Timestamp,
    /// <summary>Interval(MONTH_DAY_NANO) in IPC; in memory PostgreSQL's (months, days, microseconds).</summary>
    Interval,
}

/// <summary>An Arrow data type with its parameters.</summary>
public readonly record struct ArrowType(ArrowTypeId Id, int Precision = 0, int Scale = 0, int ByteWidth = 0, string? TimeZone = null)
{
    public static readonly ArrowType Boolean = new(ArrowTypeId.Boolean);
    public static readonly ArrowType Int16 = new(ArrowTypeId.Int16);
    public static readonly ArrowType Int32 = new(ArrowTypeId.Int32);
    public static readonly ArrowType Int64 = new(ArrowTypeId.Int64);
    public static readonly ArrowType Float32 = new(ArrowTypeId.Float32);
    public static readonly ArrowType Float64 = new(ArrowTypeId.Float64);
    public static readonly ArrowType Utf8 = new(ArrowTypeId.Utf8);
    public static readonly ArrowType Binary = new(ArrowTypeId.Binary);
    public static readonly ArrowType Date32 = new(ArrowTypeId.Date32);
}
