using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using PgFusion.Arrow;
using PgFusion.Types;

namespace PgFusion.HeapDecoder.Tests.Support;

/// <summary>
/// One canonical text per value, computed on both sides: from the decoded Arrow column, and from
/// PostgreSQL through Npgsql (with a SELECT expression that exposes the stored representation).
/// </summary>
public static class ValueText
{
    /// <summary>The SELECT expression whose Npgsql value <see cref="Expected"/> reads for column <paramref name="col"/>.</summary>
    public static string SelectExpr(PgType type, string col) => type.Oid switch
    {
        PgTypeOid.Numeric => $"{col}::text",
        PgTypeOid.Bytea => $"encode({col}, 'hex')",
        PgTypeOid.Uuid => $"replace({col}::text, '-', '')",
        PgTypeOid.Name => $"{col}::text",
        PgTypeOid.Date => $"CASE WHEN {col} = 'infinity' THEN 2147483647 WHEN {col} = '-infinity' THEN -2147483648 ELSE {col} - date '2000-01-01' END",
        PgTypeOid.Timestamp or PgTypeOid.Timestamptz =>
            $"CASE WHEN {col} = 'infinity' THEN 9223372036854775807 WHEN {col} = '-infinity' THEN -9223372036854775808 ELSE (extract(epoch FROM {col}) * 1000000)::int8 - 946684800000000 END",
        PgTypeOid.Time => $"(extract(epoch FROM {col}) * 1000000)::int8",
        _ => col,
    };

    public static string Expected(PgType type, NpgsqlDataReader r, int ordinal)
    {
        if (r.IsDBNull(ordinal)) return "NULL";
        return type.Oid switch
        {
            PgTypeOid.Bool => r.GetBoolean(ordinal) ? "t" : "f",
            PgTypeOid.Int2 => r.GetInt16(ordinal).ToString(CultureInfo.InvariantCulture),
            PgTypeOid.Int4 or PgTypeOid.Date => r.GetInt32(ordinal).ToString(CultureInfo.InvariantCulture),
            PgTypeOid.Int8 or PgTypeOid.Timestamp or PgTypeOid.Timestamptz or PgTypeOid.Time => r.GetInt64(ordinal).ToString(CultureInfo.InvariantCulture),
            PgTypeOid.Oid => r.GetFieldValue<uint>(ordinal).ToString(CultureInfo.InvariantCulture),
            PgTypeOid.Float4 => "f4:" + BitConverter.SingleToInt32Bits(r.GetFloat(ordinal)).ToString("x8", CultureInfo.InvariantCulture),
            PgTypeOid.Float8 => "f8:" + BitConverter.DoubleToInt64Bits(r.GetDouble(ordinal)).ToString("x16", CultureInfo.InvariantCulture),
            PgTypeOid.Interval => Interval(r.GetFieldValue<NpgsqlInterval>(ordinal)),
            _ => r.GetString(ordinal),
        };
    }

    private static string Interval(NpgsqlInterval v) => $"{v.Months}m {v.Days}d {v.Time}us";

    public static string Decoded(PgType type, Column column, int row)
    {
        if (column.IsNull(row)) return "NULL";
        switch (column)
        {
            case BooleanColumn b:
                return b.Get(row) ? "t" : "f";
            case DecimalColumn d:
                return Numeric(d, row).ToString();
            case VarBinaryColumn v:
                return type.Oid == PgTypeOid.Bytea ? Convert.ToHexStringLower(v.GetBytes(row)) : v.GetString(row);
            case PrimitiveColumn<float> f:
                return "f4:" + BitConverter.SingleToInt32Bits(f.Values[row]).ToString("x8", CultureInfo.InvariantCulture);
            case PrimitiveColumn<double> f:
                return "f8:" + BitConverter.DoubleToInt64Bits(f.Values[row]).ToString("x16", CultureInfo.InvariantCulture);
            case PrimitiveColumn<short> p:
                return p.Values[row].ToString(CultureInfo.InvariantCulture);
            case PrimitiveColumn<int> p:
                return p.Values[row].ToString(CultureInfo.InvariantCulture);
            case PrimitiveColumn<long> p:
                return p.Values[row].ToString(CultureInfo.InvariantCulture);
            case PrimitiveColumn<uint> p:
                return p.Values[row].ToString(CultureInfo.InvariantCulture);
            case PrimitiveColumn<UInt128> u:
                return u.Values[row].ToString("x32", CultureInfo.InvariantCulture);
            case PrimitiveColumn<PgInterval> i:
                var iv = i.Values[row];
                return $"{iv.Months}m {iv.Days}d {iv.Micros}us";
            default:
                throw new InvalidOperationException($"no formatter for {column.GetType().Name}");
        }
    }

    public static PgNumeric Numeric(DecimalColumn d, int row)
    {
        byte kind = d.Kinds?[row] ?? 0;
        short scale = (short)d.ScaleAt(row);
        return kind switch
        {
            0 => new PgNumeric(d.Values[row], scale),
            DecimalColumn.KindBig => new PgNumeric(0, scale, NumericKind.Finite, d.Big![row]),
            _ => new PgNumeric(0, 0, (NumericKind)kind),
        };
    }
}
