using System.Text;
using PgFusion.Codegen.Values;

namespace PgFusion.Codegen.Functions;

/// <summary>The units EXTRACT, date_part and date_trunc accept (datetime.c deltatktbl / datetktbl: DecodeUnits, DecodeSpecial).</summary>
public enum DateTimeUnit
{
    Unknown,
    Microseconds,
    Milliseconds,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Decade,
    Century,
    Millennium,
    Timezone,
    TimezoneHour,
    TimezoneMinute,
    Epoch,
    Dow,
    Doy,
    IsoDow,
    IsoYear,
    Julian,
}

public static class DateTimeUnits
{
    private static readonly Dictionary<string, DateTimeUnit> Names = Build();

    /// <summary>datetime.h TOKMAXLEN: the unit tables' tokens are at most ten characters.</summary>
    private const int TokenMaxLength = 10;

    private static Dictionary<string, DateTimeUnit> Build()
    {
        var d = new Dictionary<string, DateTimeUnit>(StringComparer.Ordinal);
        void Add(DateTimeUnit u, params string[] names)
        {
            foreach (var n in names) d[n] = u;
        }
        Add(DateTimeUnit.Microseconds, "microsecon", "microsecond", "microseconds", "us", "usec", "usecs", "useconds");
        Add(DateTimeUnit.Milliseconds, "millisecon", "millisecond", "milliseconds", "ms", "msec", "msecs", "mseconds");
        Add(DateTimeUnit.Second, "second", "seconds", "s", "sec", "secs");
        Add(DateTimeUnit.Minute, "minute", "minutes", "m", "min", "mins");
        Add(DateTimeUnit.Hour, "hour", "hours", "h", "hr", "hrs");
        Add(DateTimeUnit.Day, "day", "days", "d");
        Add(DateTimeUnit.Week, "week", "weeks", "w");
        Add(DateTimeUnit.Month, "month", "months", "mon", "mons");
        Add(DateTimeUnit.Quarter, "quarter", "qtr");
        Add(DateTimeUnit.Year, "year", "years", "y", "yr", "yrs");
        Add(DateTimeUnit.Decade, "decade", "decades", "dec", "decs");
        Add(DateTimeUnit.Century, "century", "centuries", "c", "cent");
        Add(DateTimeUnit.Millennium, "millennium", "millennia", "mil", "mils");
        Add(DateTimeUnit.Timezone, "timezone");
        Add(DateTimeUnit.TimezoneHour, "timezone_h");
        Add(DateTimeUnit.TimezoneMinute, "timezone_m");
        Add(DateTimeUnit.Epoch, "epoch");
        Add(DateTimeUnit.Dow, "dow");
        Add(DateTimeUnit.Doy, "doy");
        Add(DateTimeUnit.IsoDow, "isodow");
        Add(DateTimeUnit.IsoYear, "isoyear");
        Add(DateTimeUnit.Julian, "julian", "j");
        return d;
    }

    /// <summary>downcase_truncate_identifier (ASCII lower-casing, 63 bytes) then the unit tables.</summary>
    public static (DateTimeUnit Unit, string Lowered) Decode(TextRef units)
    {
        var span = units.Span;
        if (span.Length > 63) span = span[..63];
        var lowered = new byte[span.Length];
        Ascii.ToLower(span, lowered, out _);
        for (int i = 0; i < span.Length; i++)
        {
            if (span[i] >= 0x80) lowered[i] = span[i];
        }
        string s = Encoding.UTF8.GetString(lowered);
        // datebsearch compares with strncmp(key, token, TOKMAXLEN = 10): a key longer than ten
        // characters matches the ten-character token it starts with ("timezone_minute", "microseconds").
        string key = lowered.Length > TokenMaxLength ? Encoding.UTF8.GetString(lowered.AsSpan(0, TokenMaxLength)) : s;
        return (Names.TryGetValue(key, out var u) ? u : DateTimeUnit.Unknown, s);
    }

    public static bool IsMonotonic(DateTimeUnit u) => u is DateTimeUnit.Year or DateTimeUnit.Decade or DateTimeUnit.Century
        or DateTimeUnit.Millennium or DateTimeUnit.Julian or DateTimeUnit.IsoYear or DateTimeUnit.Epoch;

    public static void NotSupported(string units, string type) =>
        PgErrors.Raise(PgErrors.FeatureNotSupported, $"unit \"{units}\" not supported for type {type}");

    public static void NotRecognized(string units, string type) =>
        PgErrors.Raise("22023", $"unit \"{units}\" not recognized for type {type}");
}
