using PgFusion.Types;

namespace PgFusion.Arrow;

/// <summary>
/// The one table that maps PostgreSQL types to Arrow types and column classes (docs/type-mapping.md).
/// The decoder fills, and the kernels read, columns created here.
/// </summary>
public static class PgArrowMapping
{
    /// <summary>numeric(p, s) with p up to this fits Decimal128 with a fixed scale.</summary>
    public const int MaxDecimal128Precision = 38;

    public static bool IsSupported(PgType type) => type.Oid switch
    {
        PgTypeOid.Bool or PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8 or PgTypeOid.Oid
            or PgTypeOid.Float4 or PgTypeOid.Float8 or PgTypeOid.Numeric
            or PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Name or PgTypeOid.Bytea
            or PgTypeOid.Uuid or PgTypeOid.Date or PgTypeOid.Time or PgTypeOid.Timestamp or PgTypeOid.Timestamptz
            or PgTypeOid.Interval => true,
        _ => false,
    };

    public static ArrowType ArrowTypeOf(PgType type) => type.Oid switch
    {
        PgTypeOid.Bool => ArrowType.Boolean,
        PgTypeOid.Int2 => ArrowType.Int16,
        PgTypeOid.Int4 => ArrowType.Int32,
        PgTypeOid.Int8 => ArrowType.Int64,
        PgTypeOid.Oid => new ArrowType(ArrowTypeId.UInt32),
        PgTypeOid.Float4 => ArrowType.Float32,
        PgTypeOid.Float8 => ArrowType.Float64,
        PgTypeOid.Numeric => new ArrowType(ArrowTypeId.Decimal128, type.NumericPrecision ?? MaxDecimal128Precision, Math.Max(type.NumericScale ?? 0, 0)),
        PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Name => ArrowType.Utf8,
        PgTypeOid.Bytea => ArrowType.Binary,
        PgTypeOid.Uuid => new ArrowType(ArrowTypeId.FixedSizeBinary, ByteWidth: 16),
        PgTypeOid.Date => ArrowType.Date32,
        PgTypeOid.Time => new ArrowType(ArrowTypeId.Time64),
        PgTypeOid.Timestamp => new ArrowType(ArrowTypeId.Timestamp),
        PgTypeOid.Timestamptz => new ArrowType(ArrowTypeId.Timestamp, TimeZone: "UTC"),
        PgTypeOid.Interval => new ArrowType(ArrowTypeId.Interval),
        _ => throw new NotSupportedException($"no Arrow mapping for {type}"),
    };

    /// <summary>
    /// The Arrow type an IPC stream carries for <paramref name="type"/>. It equals
    /// <see cref="ArrowTypeOf"/> except for numerics that Decimal128(p, s) cannot hold exactly for
    /// every value: numeric without a typmod (per-value scale, up to 131072 digits before the
    /// point), numeric(p, s) with p &gt; 38, a negative scale or a scale above the precision.
    /// Those travel as Utf8 holding numeric_out's text ("NaN", "Infinity" and "-Infinity"
    /// included), exact whatever the value. docs/type-mapping.md lists every case.
    /// </summary>
    public static ArrowType IpcTypeOf(PgType type)
    {
        if (type.Oid == PgTypeOid.Numeric)
            return IsDecimal128(type) ? new ArrowType(ArrowTypeId.Decimal128, type.NumericPrecision!.Value, type.NumericScale!.Value) : ArrowType.Utf8;
        return ArrowTypeOf(type);
    }

    /// <summary>numeric(p, s) with 0 &lt;= s &lt;= p &lt;= 38: one scale for the column and every finite value fits Decimal128.</summary>
    public static bool IsDecimal128(PgType type) =>
        type.NumericPrecision is { } p && type.NumericScale is { } s && p is >= 1 and <= MaxDecimal128Precision && s >= 0 && s <= p;

    /// <summary>
    /// An empty column for <paramref name="type"/>. Element types: bool bits, short, int, long,
    /// uint (oid), float, double, Int128 + scale (numeric), UTF-8 bytes, bytes, UInt128 holding
    /// the uuid's 16 bytes big-endian (so integer order is PostgreSQL's byte order), int days
    /// (date), long microseconds (time, timestamp, timestamptz), PgInterval.
    /// </summary>
    public static Column CreateColumn(PgType type, int capacity)
    {
        var arrow = ArrowTypeOf(type);
        return type.Oid switch
        {
            PgTypeOid.Bool => new BooleanColumn(capacity),
            PgTypeOid.Int2 => new PrimitiveColumn<short>(arrow, capacity),
            PgTypeOid.Int4 or PgTypeOid.Date => new PrimitiveColumn<int>(arrow, capacity),
            PgTypeOid.Int8 or PgTypeOid.Time or PgTypeOid.Timestamp or PgTypeOid.Timestamptz => new PrimitiveColumn<long>(arrow, capacity),
            PgTypeOid.Oid => new PrimitiveColumn<uint>(arrow, capacity),
            PgTypeOid.Float4 => new PrimitiveColumn<float>(arrow, capacity),
            PgTypeOid.Float8 => new PrimitiveColumn<double>(arrow, capacity),
            PgTypeOid.Numeric => type.NumericPrecision is { } p && p <= MaxDecimal128Precision && type.NumericScale >= 0
                ? new DecimalColumn(capacity, p, type.NumericScale.Value)
                : new DecimalColumn(capacity, MaxDecimal128Precision, -1),
            PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Name or PgTypeOid.Bytea => new VarBinaryColumn(arrow, capacity),
            PgTypeOid.Uuid => new PrimitiveColumn<UInt128>(arrow, capacity),
            PgTypeOid.Interval => new PrimitiveColumn<PgInterval>(arrow, capacity),
            _ => throw new NotSupportedException($"no Arrow mapping for {type}"),
        };
    }
}
