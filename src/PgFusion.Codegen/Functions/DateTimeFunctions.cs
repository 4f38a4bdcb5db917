using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Functions;

/// <summary>date and timestamp arithmetic and comparison (utils/adt/date.c, timestamp.c), in PostgreSQL's 2000 epoch.</summary>
public static class DateTimeFunctions
{
    /// <summary>date.h: the last valid Julian day for dates, relative to the 2000 epoch (JULIAN_MAXDAY - POSTGRES_EPOCH_JDATE).</summary>
    private const int DateEndDays = 2147483494 - 2451545;
    private const int DateMinDays = -2451545; // JULIAN_MINDAY (0) - POSTGRES_EPOCH_JDATE
    /// <summary>TIMESTAMP_END_JULIAN (109203528) - POSTGRES_EPOCH_JDATE, the first day past timestamp range.</summary>
    private const long TimestampEndDays = 109203528 - 2451545;

    private static bool DateIsFinite(int d) => d != PgEpoch.DateNegativeInfinity && d != PgEpoch.DatePositiveInfinity;

    public static int DateMi(int a, int b)
    {
        if (!DateIsFinite(a) || !DateIsFinite(b)) PgErrors.Raise(PgErrors.DatetimeFieldOverflow, "cannot subtract infinite dates");
        return a - b;
    }

    public static int DatePli(int date, int days)
    {
        if (!DateIsFinite(date)) return date;
        long r = (long)date + days;
        if (r < DateMinDays || r >= DateEndDays) PgErrors.DateOutOfRange();
        return (int)r;
    }

    public static int DateMii(int date, int days)
    {
        if (!DateIsFinite(date)) return date;
        long r = (long)date - days;
        if (r < DateMinDays || r >= DateEndDays) PgErrors.DateOutOfRange();
        return (int)r;
    }

    public static int IntegerPlDate(int days, int date) => DatePli(date, days);

    /// <summary>date2timestamp_opt_overflow for comparisons: an infinite date is the infinite timestamp (past-range dates: see DateTimestampCmp).</summary>
    private static long DateToTimestampClamped(int d)
    {
        if (d == PgEpoch.DateNegativeInfinity) return PgEpoch.TimestampNegativeInfinity;
        if (d == PgEpoch.DatePositiveInfinity) return PgEpoch.TimestampPositiveInfinity;
        if (d >= TimestampEndDays) return PgEpoch.TimestampPositiveInfinity;
        return d * PgEpoch.MicrosPerDay;
    }

    /// <summary>date_timestamp: the cast, which errors out of range.</summary>
    public static long DateToTimestamp(int d)
    {
        if (d == PgEpoch.DateNegativeInfinity) return PgEpoch.TimestampNegativeInfinity;
        if (d == PgEpoch.DatePositiveInfinity) return PgEpoch.TimestampPositiveInfinity;
        if (d >= TimestampEndDays) PgErrors.Raise(PgErrors.DatetimeFieldOverflow, "date out of range for timestamp");
        return d * PgEpoch.MicrosPerDay;
    }

    /// <summary>timestamp_date: floor to the day.</summary>
    public static int TimestampToDate(long ts)
    {
        if (ts == PgEpoch.TimestampNegativeInfinity) return PgEpoch.DateNegativeInfinity;
        if (ts == PgEpoch.TimestampPositiveInfinity) return PgEpoch.DatePositiveInfinity;
        return (int)FloorDiv(ts, PgEpoch.MicrosPerDay);
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>
    /// date_cmp_timestamp_internal: a finite date past the timestamp range is larger than every
    /// finite timestamp but less than +infinity (so it never equals 'infinity').
    /// </summary>
    public static int DateTimestampCmp(int d, long ts)
    {
        if (d != PgEpoch.DatePositiveInfinity && d >= TimestampEndDays)
            return ts == PgEpoch.TimestampPositiveInfinity ? -1 : 1;
        return DateToTimestampClamped(d).CompareTo(ts);
    }

    public static bool DateEqTimestamp(int d, long ts) => DateTimestampCmp(d, ts) == 0;

    public static bool DateNeTimestamp(int d, long ts) => DateTimestampCmp(d, ts) != 0;

    public static bool DateLtTimestamp(int d, long ts) => DateTimestampCmp(d, ts) < 0;

    public static bool DateLeTimestamp(int d, long ts) => DateTimestampCmp(d, ts) <= 0;

    public static bool DateGtTimestamp(int d, long ts) => DateTimestampCmp(d, ts) > 0;

    public static bool DateGeTimestamp(int d, long ts) => DateTimestampCmp(d, ts) >= 0;

    public static bool TimestampEqDate(long ts, int d) => DateTimestampCmp(d, ts) == 0;

    public static bool TimestampNeDate(long ts, int d) => DateTimestampCmp(d, ts) != 0;

    public static bool TimestampLtDate(long ts, int d) => DateTimestampCmp(d, ts) > 0;

    public static bool TimestampLeDate(long ts, int d) => DateTimestampCmp(d, ts) >= 0;

    public static bool TimestampGtDate(long ts, int d) => DateTimestampCmp(d, ts) < 0;

    public static bool TimestampGeDate(long ts, int d) => DateTimestampCmp(d, ts) <= 0;

    /// <summary>timestamp_mi: the difference as an interval, then interval_justify_hours.</summary>
    public static PgInterval TimestampMi(long a, long b)
    {
        if (a == long.MinValue || a == long.MaxValue || b == long.MinValue || b == long.MaxValue)
            PgErrors.Raise(PgErrors.DatetimeFieldOverflow, "cannot subtract infinite timestamps");
        long time = a - b;
        long days = time / PgEpoch.MicrosPerDay;
        time -= days * PgEpoch.MicrosPerDay;
        if (days > 0 && time < 0)
        {
            time += PgEpoch.MicrosPerDay;
            days--;
        }
        else if (days < 0 && time > 0)
        {
            time -= PgEpoch.MicrosPerDay;
            days++;
        }
        return new PgInterval(time, (int)days, 0);
    }
}
