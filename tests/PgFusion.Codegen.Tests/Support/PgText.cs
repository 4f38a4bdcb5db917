using System.Globalization;
using System.Text;
using PgFusion.Types;

namespace PgFusion.Codegen.Tests.Support;

/// <summary>Formats decoded values the way PostgreSQL's output functions print them (for comparing with `expr::text`).</summary>
public static class PgText
{
    public static string? Format(object? v, PgType type)
    {
        if (v is null) return null;
        switch (type.Oid)
        {
            case PgTypeOid.Bool: return (bool)v ? "true" : "false";
            case PgTypeOid.Float4: return Float(((float)v).ToString(CultureInfo.InvariantCulture));
            case PgTypeOid.Float8: return Float(((double)v).ToString(CultureInfo.InvariantCulture));
            case PgTypeOid.Numeric: return ((PgNumeric)v).ToString();
            case PgTypeOid.Date: return Date((int)v);
            case PgTypeOid.Timestamp: return Timestamp((long)v);
            case PgTypeOid.Text or PgTypeOid.Varchar: return Encoding.UTF8.GetString((byte[])v);
            case PgTypeOid.Bpchar: return Encoding.UTF8.GetString((byte[])v).TrimEnd(' '); // bpchar::text drops the padding
            case PgTypeOid.Interval:
            {
                var iv = (PgInterval)v;
                return $"{iv.Days}|{iv.Micros}";
            }
            default: return Convert.ToString(v, CultureInfo.InvariantCulture);
        }
    }

    private static string Float(string s) => s.Replace("E", "e", StringComparison.Ordinal) switch
    {
        var x when x.Contains('e', StringComparison.Ordinal) && !x.Contains("e-", StringComparison.Ordinal) && !x.Contains("e+", StringComparison.Ordinal) => x.Replace("e", "e+", StringComparison.Ordinal),
        var x => x,
    };

    public static string Date(int days) => days switch
    {
        int.MinValue => "-infinity",
        int.MaxValue => "infinity",
        _ => new DateOnly(2000, 1, 1).AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };

    public static string Timestamp(long micros)
    {
        if (micros == long.MinValue) return "-infinity";
        if (micros == long.MaxValue) return "infinity";
        var dt = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).AddTicks(micros * 10);
        string s = dt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        long frac = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
        if (frac != 0) s += "." + frac.ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0');
        return s;
    }
}
