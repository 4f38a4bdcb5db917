using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using PgFusion.Types;

namespace PgFusion.Arrow.Tests.Support;

/// <summary>
/// What apache-arrow must read for a PostgreSQL value, computed from PostgreSQL itself: a SELECT
/// expression per type that yields the Arrow representation (days or microseconds from 1970,
/// hex bytes, numeric_out text), read through Npgsql and printed as read-arrow.mjs prints values.
/// </summary>
public static class ExpectedArrowValue
{
    public static string SelectExpr(PgType type, string col) => type.Oid switch
    {
        PgTypeOid.Numeric or PgTypeOid.Name => $"{col}::text",
        PgTypeOid.Bytea => $"encode({col}, 'hex')",
        PgTypeOid.Uuid => $"replace({col}::text, '-', '')",
        PgTypeOid.Date => $"CASE WHEN {col} = 'infinity' THEN 2147483647 WHEN {col} = '-infinity' THEN -2147483648 ELSE {col} - date '1970-01-01' END",
        PgTypeOid.Timestamp or PgTypeOid.Timestamptz =>
            $"CASE WHEN {col} = 'infinity' THEN 9223372036854775807 WHEN {col} = '-infinity' THEN -9223372036854775808 ELSE (extract(epoch FROM {col}) * 1000000)::int8 END",
        PgTypeOid.Time => $"(extract(epoch FROM {col}) * 1000000)::int8",
        // bpchar keeps its padding: read the column itself, not ::text (which trims it).
        _ => col,
    };

    /// <summary>The value text, or null for SQL NULL (and for numeric NaN when <paramref name="nanAsNull"/>).</summary>
    public static string? Read(PgType type, NpgsqlDataReader r, int ordinal, bool nanAsNull)
    {
        if (r.IsDBNull(ordinal)) return null;
        switch (type.Oid)
        {
            case PgTypeOid.Bool: return r.GetBoolean(ordinal) ? "t" : "f";
            case PgTypeOid.Int2: return r.GetInt16(ordinal).ToString(CultureInfo.InvariantCulture);
            case PgTypeOid.Int4 or PgTypeOid.Date: return r.GetInt32(ordinal).ToString(CultureInfo.InvariantCulture);
            case PgTypeOid.Int8 or PgTypeOid.Time or PgTypeOid.Timestamp or PgTypeOid.Timestamptz:
                return r.GetInt64(ordinal).ToString(CultureInfo.InvariantCulture);
            case PgTypeOid.Oid: return r.GetFieldValue<uint>(ordinal).ToString(CultureInfo.InvariantCulture);
            case PgTypeOid.Float4:
                float f = r.GetFloat(ordinal);
                return float.IsNaN(f) ? "NaN" : "f4:" + BitConverter.SingleToUInt32Bits(f).ToString("x8", CultureInfo.InvariantCulture);
            case PgTypeOid.Float8:
                double d = r.GetDouble(ordinal);
                return double.IsNaN(d) ? "NaN" : "f8:" + BitConverter.DoubleToUInt64Bits(d).ToString("x16", CultureInfo.InvariantCulture);
            case PgTypeOid.Interval:
                var iv = r.GetFieldValue<NpgsqlInterval>(ordinal);
                return $"{iv.Months}m {iv.Days}d {iv.Time * 1000}ns";
            case PgTypeOid.Numeric:
                string n = r.GetString(ordinal);
                return nanAsNull && n == "NaN" && PgArrowMapping.IsDecimal128(type) ? null : n;
            default:
                return r.GetString(ordinal);
        }
    }
}
