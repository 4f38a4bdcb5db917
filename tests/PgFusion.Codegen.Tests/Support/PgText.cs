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
            case PgTypeOid.Float4: return Float4((float)v);
            case PgTypeOid.Float8: return Float(((double)v).ToString(CultureInfo.InvariantCulture));
            case PgTypeOid.Numeric: return ((PgNumeric)v).ToString();
            case PgTypeOid.Date: return Date((int)v);
            case PgTypeOid.Timestamp: return Timestamp((long)v);
            case PgTypeOid.Text or PgTypeOid.Varchar: return Encoding.UTF8.GetString((byte[])v);
            case PgTypeOid.Bpchar: return Encoding.UTF8.GetString((byte[])v).TrimEnd(' '); // bpchar::text drops the padding
            case PgTypeOid.Interval:
                // interval_out with the default IntervalStyle (postgres), as the server prints it
                return PgFusion.Codegen.Functions.IntervalOutput.IntervalOut(new PgFusion.Codegen.Kernels.KernelContext(), (PgInterval)v,
                    PgFusion.Planner.Json.IntervalStyleCodes.Postgres).ToString();
            default: return Convert.ToString(v, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// float4out's shortest form: the shortest round-trip digits (as .NET's "R"), printed in fixed
    /// notation for decimal exponents -4..5 and as d.ddde+XX otherwise (PostgreSQL's f2s threshold is
    /// 6 for float4; .NET switches to exponents only later, e.g. it prints 7.0174355e+08 as 701743550).
    /// The digits can still differ when the shortest candidate lies exactly on the rounding interval's
    /// bound: .NET takes it, PostgreSQL's f2s does not (1069439232 is 1.0694392e+09 here, 1.06943923e+09
    /// there); tests widen such values to float8 before comparing.
    /// </summary>
    private static string Float4(float f)
    {
        if (float.IsNaN(f) || float.IsInfinity(f) || f == 0) return Float(f.ToString(CultureInfo.InvariantCulture));
        string r = f.ToString("R", CultureInfo.InvariantCulture);
        bool negative = r[0] == '-';
        if (negative) r = r[1..];
        int e = r.IndexOfAny(['E', 'e']);
        int exponent = e >= 0 ? int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture) : 0;
        string mantissa = e >= 0 ? r[..e] : r;
        int dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        string whole = dot < 0 ? mantissa : mantissa[..dot];
        string digits = whole + (dot < 0 ? "" : mantissa[(dot + 1)..]);
        int point = whole.Length + exponent; // value = 0.digits x 10^point
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..].TrimEnd('0');
        point -= lead;
        int decimalExponent = point - 1;
        string text;
        if (decimalExponent < -4 || decimalExponent >= 6)
        {
            string m = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
            text = m + "e" + (decimalExponent < 0 ? "-" : "+") + Math.Abs(decimalExponent).ToString("00", CultureInfo.InvariantCulture);
        }
        else if (point <= 0)
            text = "0." + new string('0', -point) + digits;
        else if (point >= digits.Length)
            text = digits + new string('0', point - digits.Length);
        else
            text = digits[..point] + "." + digits[point..];
        return (negative ? "-" : "") + text;
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
