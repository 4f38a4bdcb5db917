using PgFusion.Types;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// Casts to and from time without a zone (date.c timestamp_time, time_interval, interval_time).
/// A time is microseconds since midnight, 0 .. 24:00:00 inclusive.
/// </summary>
public static class TimeCastFunctions
{
    /// <summary>
    /// timestamp_time: the time of day; NULL for an infinite timestamp (the function returns
    /// NULL for a non-NULL input there), "timestamp out of range" where timestamp2tm fails.
    /// </summary>
    public static long? TimestampToTime(long ts)
    {
        if (!ExtractFunctions.IsFinite(ts)) return null;
        return TimeOfDay(Calendar.ToTm(ts));
    }

    /// <summary>The time of the day of broken-down fields, as timestamp_time / timestamptz_time sum them.</summary>
    internal static long TimeOfDay(Calendar.Tm tm) =>
        ((((tm.Hour * 60L) + tm.Minute) * 60L) + tm.Second) * 1_000_000L + tm.Fsec;

    /// <summary>time_interval: the time as the interval's time part, no days or months.</summary>
    public static PgInterval TimeToInterval(long time) => new(time, 0, 0);

    /// <summary>
    /// interval_time: the fractional-day part of the interval's time field, the months and days
    /// ignored; a negative one counts back from midnight ('-2 hours' is 22:00:00). The arithmetic
    /// wraps as the C code does (PostgreSQL builds with -fwrapv) for the most negative time.
    /// </summary>
    public static long IntervalToTime(PgInterval span)
    {
        long result = span.Micros;
        unchecked
        {
            if (result >= Calendar.UsecsPerDay)
            {
                long days = result / Calendar.UsecsPerDay;
                result -= days * Calendar.UsecsPerDay;
            }
            else if (result < 0)
            {
                long days = (-result + Calendar.UsecsPerDay - 1) / Calendar.UsecsPerDay;
                result += days * Calendar.UsecsPerDay;
            }
        }
        return result;
    }
}
