using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Generators;

/// <summary>
/// Values of one column type, as the text PostgreSQL's input function reads (quoted by
/// <see cref="Quote"/> for SQL). "Ordinary" values are chosen so that float sums are exact in any order
/// (binary fractions of bounded size); "special" values are the edges: NaN, ±Infinity, -0, integer
/// extremes, empty and space-padded strings, dates at both ends of the range.
/// </summary>
public static class ValueGen
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly string[] Words =
        ["", " ", "a", "b", "ab", "abc", "abc ", " abc", "ABC", "Abc", "a%b_c", "x\\y", "zz", "item 1", "item 10", "item 2", "ünïcödé €", "tab\there", "o'neil", "  ",
         // Multibyte: characters beyond the BMP (UTF-16 surrogate pairs, one character to PostgreSQL),
         // and BMP characters above the surrogates, whose UTF-8 byte order (C collation) differs from UTF-16 order.
         "😀", "a😀b", "Ａ", "𝐀", "ß", "Straße", "İ", "ǅ", "ﬁ", "ÀÉÎ", "é"];

    /// <summary>An ordinary value of the column (no NULL, no edge value).</summary>
    public static Gen<string> Ordinary(FuzzColumn c) => c.Kind switch
    {
        ColumnKind.Bool => Gen.Elements("true", "false"),
        ColumnKind.Int2 => Gen.Frequency((3, Gen.Choose(-20, 20)), (1, Gen.Choose(-32768, 32767))).Select(Str),
        ColumnKind.Int4 => Gen.Frequency((3, Gen.Choose(-100, 100)), (1, Gen.Choose(-1_000_000, 1_000_000)), (1, Gen.Choose(-2_000_000_000, 2_000_000_000))).Select(Str),
        ColumnKind.Int8 => Gen.Frequency(
            (3, Gen.Choose(-100, 100).Select(i => (long)i)),
            (1, Gen.Choose(-2_000_000_000, 2_000_000_000).Select(i => (long)i * 3_000_000_017L))).Select(v => v.ToString(Inv)),
        // k/8 stays exact in float4 sums of thousands of rows; k/64 likewise in float8.
        ColumnKind.Float4 => Gen.Choose(-8000, 8000).Select(k => (k / 8.0).ToString("R", Inv)),
        ColumnKind.Float8 => Gen.Frequency((3, Gen.Choose(-1_000_000, 1_000_000).Select(k => k / 64.0)), (1, Gen.Choose(-50, 50).Select(k => (double)k))).Select(d => d.ToString("R", Inv)),
        ColumnKind.Numeric => NumericValue(c.SqlType),
        ColumnKind.Text => Gen.Frequency((3, Gen.Elements(Words)), (2, Gen.Choose(0, 60).Select(i => "w" + i.ToString(Inv))), (1, Gen.Choose(0, 999).Select(i => $"k{i:D3} "))),
        ColumnKind.Varchar or ColumnKind.Bpchar => Gen.Frequency((3, Gen.Elements(Words)), (2, Gen.Choose(0, 60).Select(i => "w" + i.ToString(Inv)))).Select(s => Fit(s, c.SqlType)),
        ColumnKind.Date => Gen.Choose(-10000, 10000).Select(k => new DateOnly(2000, 1, 1).AddDays(k).ToString("yyyy-MM-dd", Inv)),
        ColumnKind.Timestamp => Gen.Zip(Gen.Zip(Gen.Choose(-5000, 5000), Gen.Choose(0, 86_399)), Gen.Elements(0, 0, 500_000, 123_456, 999_999))
            .Select(t => new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).AddDays(t.Item1.Item1).AddSeconds(t.Item1.Item2).AddTicks(t.Item2 * 10L).ToString("yyyy-MM-dd HH:mm:ss.ffffff", Inv)),
        ColumnKind.Interval => Gen.OneOf(
            Gen.Choose(-400, 400).Select(d => $"{d} days"),
            Gen.Choose(-100, 100).Select(h => $"{h} hours"),
            Gen.Choose(-30, 30).Select(m => $"{m} mons"),
            Gen.Zip(Gen.Choose(0, 23), Gen.Choose(0, 59)).Select(t => $"{t.Item1:D2}:{t.Item2:D2}:00"),
            Gen.Elements("1 day", "24 hours", "1 mon", "30 days", "-1 day +25 hours", "1 year 2 mons 3 days 04:05:06.789")),
        ColumnKind.Time => Gen.Zip(Gen.Choose(0, 86_399), Gen.Elements(0, 0, 500_000, 123_456, 999_999))
            .Select(t => TimeOnly.FromTimeSpan(TimeSpan.FromSeconds(t.Item1)).Add(TimeSpan.FromTicks(t.Item2 * 10L)).ToString("HH:mm:ss.ffffff", Inv)),
        ColumnKind.Timestamptz => Gen.Zip(Gen.Zip(Gen.Choose(-5000, 5000), Gen.Choose(0, 86_399)), Gen.Elements("+00", "+00", "-08", "+05:30"))
            .Select(t => new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).AddDays(t.Item1.Item1).AddSeconds(t.Item1.Item2).ToString("yyyy-MM-dd HH:mm:ss", Inv) + t.Item2),
        // Few distinct values, so joins, GROUP BY and DISTINCT find duplicates.
        ColumnKind.Uuid => Gen.Zip(Gen.Choose(0, 40), Gen.Elements("0", "8", "a", "f"))
            .Select(t => $"{t.Item1:x8}-1234-4{t.Item2}00-8000-{t.Item1 * 7919:x12}"),
        ColumnKind.Bytea => Gen.Frequency((3, Gen.Elements(Words.Take(12).ToArray())), (2, Gen.Choose(0, 60).Select(i => "w" + i.ToString(Inv))))
            .Select(s => "\\x" + Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(s)).ToLowerInvariant()),
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    /// <summary>An edge value of the column's type that fits its typmod.</summary>
    public static Gen<string> Special(FuzzColumn c) => c.Kind switch
    {
        ColumnKind.Bool => Gen.Elements("true", "false"),
        ColumnKind.Int2 => Gen.Elements("32767", "-32768", "0", "-1", "1"),
        ColumnKind.Int4 => Gen.Elements("2147483647", "-2147483648", "0", "-1", "1", "65536"),
        ColumnKind.Int8 => Gen.Elements("9223372036854775807", "-9223372036854775808", "0", "-1", "4294967296", "2147483648"),
        ColumnKind.Float4 => Gen.Elements("NaN", "Infinity", "-Infinity", "-0", "0", "1.17549435e-38", "3.4e38"),
        ColumnKind.Float8 => Gen.Elements("NaN", "Infinity", "-Infinity", "-0", "0", "4.9e-324", "1e300", "-1e300", "0.1"),
        ColumnKind.Numeric when c.SqlType == "numeric" =>
            Gen.Elements("NaN", "Infinity", "-Infinity", "0", "0.000000000000000000001", "123456789012345678901234567890.123456789", "-0.5", "1.500", "99999999999999999999"),
        ColumnKind.Numeric => NumericEdge(c.SqlType),
        ColumnKind.Text => Gen.Elements("", " ", "  trailing  ", "NULL", "%", "_", "\\"),
        ColumnKind.Varchar or ColumnKind.Bpchar => Gen.Elements("", " ", "a ", " a", "%", "_").Select(s => Fit(s, c.SqlType)),
        ColumnKind.Date => Gen.Elements("infinity", "-infinity", "4713-01-01 BC", "5874897-12-31", "1999-12-31", "2000-02-29"),
        ColumnKind.Timestamp => Gen.Elements("infinity", "-infinity", "4713-01-01 00:00:00 BC", "294276-12-31 23:59:59.999999", "1999-12-31 23:59:59.999999", "2000-01-01 00:00:00"),
        ColumnKind.Interval => Gen.Elements("0", "-178000000 years", "178000000 years", "1 microsecond", "-1 microsecond"),
        ColumnKind.Time => Gen.Elements("00:00:00", "23:59:59.999999", "24:00:00", "12:00:00"),
        ColumnKind.Timestamptz => Gen.Elements("infinity", "-infinity", "0001-01-01 00:00:00+00", "294276-12-30 23:59:59.999999+00", "1999-12-31 23:59:59.999999+00", "2000-01-01 00:00:00+00"),
        ColumnKind.Uuid => Gen.Elements("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "80000000-0000-0000-0000-000000000000"),
        ColumnKind.Bytea => Gen.Elements("\\x", "\\x00", "\\xff00", "\\x0000", "\\x7f80ff"),
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    /// <summary>The value as a SQL literal: numbers bare, everything else quoted (typed by context).</summary>
    public static string Quote(string? value) => value == null ? "NULL" : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Str(int i) => i.ToString(Inv);

    private static Gen<string> NumericValue(string sqlType)
    {
        var (precision, scale) = Typmod(sqlType);
        if (precision == 0)
        {
            // Unconstrained: mixed scales, trailing zeros kept (1.50 stays 1.50).
            return Gen.Zip(Gen.Zip(Gen.Choose(-2_000_000, 2_000_000), Gen.Choose(0, 6)), Gen.Elements(0, 0, 0, 3, 9))
                .Select(t => Decimal(t.Item1.Item1 * Pow10Long(t.Item2), t.Item1.Item2));
        }
        // At most 9 digits (an int), scaled by the column's scale: |v| < 10^(p-s) always holds.
        var max = (int)Pow10Long(Math.Min(precision, 9)) - 1;
        return Gen.Choose(-max, max).Select(v => Decimal(v, scale));
    }

    private static Gen<string> NumericEdge(string sqlType)
    {
        var (precision, scale) = Typmod(sqlType);
        var nines = new string('9', precision - scale) + (scale > 0 ? "." + new string('9', scale) : "");
        if (precision == scale) nines = "0." + new string('9', scale);
        return Gen.Elements("NaN", "0", nines, "-" + nines, scale > 0 ? "0." + new string('0', scale - 1) + "1" : "1");
    }

    /// <summary>`numeric(p,s)` → (p, s); `numeric` → (0, 0).</summary>
    public static (int Precision, int Scale) Typmod(string sqlType)
    {
        var open = sqlType.IndexOf('(', StringComparison.Ordinal);
        if (open < 0) return (0, 0);
        var parts = sqlType[(open + 1)..^1].Split(',');
        var p = int.Parse(parts[0], Inv);
        var s = parts.Length > 1 ? int.Parse(parts[1], Inv) : 0;
        return (p, s);
    }

    private static long Pow10Long(int n)
    {
        long r = 1;
        for (var i = 0; i < n; i++) r *= 10;
        return r;
    }

    /// <summary>digits / 10^scale as exact decimal text, e.g. (-1505, 2) → -15.05.</summary>
    private static string Decimal(long digits, int scale)
    {
        if (scale == 0) return digits.ToString(Inv);
        var neg = digits < 0;
        var s = Math.Abs(digits).ToString(Inv).PadLeft(scale + 1, '0');
        return (neg ? "-" : "") + s[..^scale] + "." + s[^scale..];
    }

    /// <summary>Truncates a string to a varchar(n)/char(n) length, counted in characters (code points) as PostgreSQL does.</summary>
    private static string Fit(string s, string sqlType)
    {
        var (n, _) = Typmod(sqlType);
        var runes = s.EnumerateRunes().ToArray();
        return n > 0 && runes.Length > n ? string.Concat(runes.Take(n).Select(r => r.ToString())) : s;
    }
}
