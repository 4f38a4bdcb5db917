namespace PgFusion.Planner.Json;

/// <summary>
/// The session settings that decide how values print as text (<c>$.settings</c>): what x::text
/// and 'a' || x compute for dates, timestamps, floats and bytea. A member the producer did not
/// send is null, and the binder then declines the conversions that depend on it.
/// </summary>
/// <param name="DateStyle">DateStyle as SHOW prints it, "ISO, MDY" (style, then field order).</param>
/// <param name="IntervalStyle">IntervalStyle ("postgres", ...).</param>
/// <param name="ByteaOutput">bytea_output ("hex" or "escape").</param>
/// <param name="ExtraFloatDigits">extra_float_digits (-15..3): above 0, floats print their shortest exact text.</param>
/// <param name="TimeZone">TimeZone as SHOW prints it ("America/New_York", "UTC+3", "&lt;+03&gt;-03"): what timestamptz operations read and print in.</param>
public sealed record OutputSettings(string? DateStyle, string? IntervalStyle, string? ByteaOutput, int? ExtraFloatDigits, string? TimeZone = null)
{
    public static readonly OutputSettings Unknown = new(null, null, null, null);

    /// <summary>IntervalStyle as the code interval_out takes (<see cref="IntervalStyleCodes"/>), or null when not sent or unknown.</summary>
    public int? IntervalStyleCode => IntervalStyle switch
    {
        "postgres" => IntervalStyleCodes.Postgres,
        "postgres_verbose" => IntervalStyleCodes.PostgresVerbose,
        "sql_standard" => IntervalStyleCodes.SqlStandard,
        "iso_8601" => IntervalStyleCodes.Iso8601,
        _ => null,
    };

    /// <summary>
    /// DateStyle as the code date_out and timestamp_out take (<see cref="DateStyleCode"/>), or
    /// null when it was not sent or is not one PostgreSQL defines.
    /// </summary>
    public int? DateStyleCode
    {
        get
        {
            if (DateStyle is null) return null;
            var parts = DateStyle.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length != 2) return null;
            if (parts[1] is not ("DMY" or "MDY" or "YMD")) return null;
            bool dmy = parts[1] == "DMY"; // YMD prints as MDY: only DMY changes how dates print
            return parts[0] switch
            {
                "ISO" => DateStyleCodes.Iso,
                "SQL" => dmy ? DateStyleCodes.SqlDmy : DateStyleCodes.SqlMdy,
                "German" => DateStyleCodes.German,
                "Postgres" => dmy ? DateStyleCodes.PostgresDmy : DateStyleCodes.PostgresMdy,
                _ => null,
            };
        }
    }
}

/// <summary>The DateStyle codes date_out / timestamp_out take as their second (planner-added) argument.</summary>
public static class DateStyleCodes
{
    public const int Iso = 0;
    public const int SqlMdy = 1;
    public const int SqlDmy = 2;
    public const int German = 3;
    public const int PostgresMdy = 4;
    public const int PostgresDmy = 5;
}

/// <summary>The IntervalStyle codes interval_out takes as its second (planner-added) argument (PostgreSQL's INTSTYLE_* values).</summary>
public static class IntervalStyleCodes
{
    public const int Postgres = 0;
    public const int PostgresVerbose = 1;
    public const int SqlStandard = 2;
    public const int Iso8601 = 3;
}
