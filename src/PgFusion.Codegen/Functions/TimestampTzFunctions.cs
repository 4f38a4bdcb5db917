using PgFusion.Codegen.Values;
using PgFusion.Types;
using PgFusion.Types.TimeZones;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// timestamptz operations that depend on the session's TimeZone (timestamp.c, date.c): the casts
/// to and from timestamp and date, EXTRACT / date_part / date_trunc, and ± interval. The zone comes
/// as a constant last argument the planner adds (an id of <see cref="TimeZoneRegistry"/>). Local
/// time is found as timestamp2tm finds it (the zone's type at the second, floored); a local time
/// goes back to UTC by <see cref="ZoneRules.OffsetOfLocal"/> (DetermineTimeZoneOffset), which
/// resolves skipped and repeated local times as PostgreSQL does.
/// </summary>
public static class TimestampTzFunctions
{
    private const string TimestamptzType = "timestamp with time zone";
    private const long UnixEpochSeconds = 946_684_800; // (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY
    private const long UnixEpochJDate = 2440588;
    private const long TimestampEndDays = 109203528 - 2451545;

    /// <summary>timestamp2tm with the session zone: the local fields, tz (seconds west of UTC) and the abbreviation.</summary>
    internal static (Calendar.Tm Tm, int Tz, string Abbreviation) ToLocal(long ts, int zone)
    {
        Calendar.ToTm(ts); // "timestamp out of range" as timestamp2tm's check of the UTC value
        long seconds = (ts >= 0 ? ts / 1_000_000 : -((-ts + 999_999) / 1_000_000)) + UnixEpochSeconds;
        var type = TimeZoneRegistry.Get(zone).TypeAt(seconds);
        return (Calendar.ToTmLocal(ts + (type.UtOffset * 1_000_000L)), -type.UtOffset, type.Abbreviation);
    }

    /// <summary>DetermineTimeZoneOffset: tz (seconds west of UTC) for local fields.</summary>
    internal static int OffsetOf(Calendar.Tm tm, int zone)
    {
        long day = (Calendar.Date2J(tm.Year, tm.Month, tm.Day) - UnixEpochJDate) * 86_400;
        long local = day + tm.Second + ((tm.Minute + (tm.Hour * 60L)) * 60);
        return TimeZoneRegistry.Get(zone).OffsetOfLocal(local, day);
    }

    /// <summary>timestamptz_timestamp: the local time; "timestamp out of range" when it leaves the range.</summary>
    public static long TimestamptzToTimestamp(long ts, int zone)
    {
        if (!ExtractFunctions.IsFinite(ts)) return ts;
        var (tm, _, _) = ToLocal(ts, zone);
        return Calendar.FromTm(tm);
    }

    /// <summary>timestamp_timestamptz: the local time in the session zone to UTC.</summary>
    public static long TimestampToTimestamptz(long ts, int zone)
    {
        if (!ExtractFunctions.IsFinite(ts)) return ts;
        var tm = Calendar.ToTm(ts);
        Int128 result = ts + ((Int128)OffsetOf(tm, zone) * 1_000_000);
        if (result < Calendar.MinTimestamp || result >= Calendar.EndTimestamp) PgErrors.TimestampOutOfRange();
        return (long)result;
    }

    /// <summary>date_timestamptz: midnight local time of the date.</summary>
    public static long DateToTimestamptz(int date, int zone)
    {
        if (date == PgEpoch.DateNegativeInfinity) return PgEpoch.TimestampNegativeInfinity;
        if (date == PgEpoch.DatePositiveInfinity) return PgEpoch.TimestampPositiveInfinity;
        if (date >= TimestampEndDays) DateOutOfRange();
        var (y, m, d) = Calendar.J2Date(date + Calendar.PostgresEpochJDate);
        long result = (date * Calendar.UsecsPerDay) + (OffsetOf(new Calendar.Tm(y, m, d, 0, 0, 0, 0), zone) * 1_000_000L);
        if (result < Calendar.MinTimestamp || result >= Calendar.EndTimestamp) DateOutOfRange();
        return result;
    }

    private static void DateOutOfRange() => PgErrors.Raise(PgErrors.DatetimeFieldOverflow, "date out of range for timestamp");

    /// <summary>timestamptz_date: the local date.</summary>
    public static int TimestamptzToDate(long ts, int zone)
    {
        if (ts == PgEpoch.TimestampNegativeInfinity) return PgEpoch.DateNegativeInfinity;
        if (ts == PgEpoch.TimestampPositiveInfinity) return PgEpoch.DatePositiveInfinity;
        var (tm, _, _) = ToLocal(ts, zone);
        return Calendar.Date2J(tm.Year, tm.Month, tm.Day) - Calendar.PostgresEpochJDate;
    }

    /// <summary>timestamptz_time: the local time of day; NULL for an infinite timestamptz, as timestamp_time.</summary>
    public static long? TimestamptzToTime(long ts, int zone)
    {
        if (!ExtractFunctions.IsFinite(ts)) return null;
        var (tm, _, _) = ToLocal(ts, zone);
        return TimeCastFunctions.TimeOfDay(tm);
    }

    /// <summary>extract(field from timestamptz): the local fields, and timezone / timezone_hour / timezone_minute from the offset.</summary>
    public static PgNumeric? ExtractTimestamptz(TextRef units, long ts, int zone)
    {
        var unit = ExtractFunctions.CheckUnit(units, TimestamptzType, out string lowered);
        if (!ExtractFunctions.IsFinite(ts))
        {
            if (DateTimeUnits.IsMonotonic(unit)) return ts < 0 ? PgNumeric.NegativeInfinity : PgNumeric.PositiveInfinity;
            return null;
        }
        if (unit == DateTimeUnit.Epoch) return ExtractFunctions.ExtractTimestamp(units, ts);
        var (tm, tz, _) = ToLocal(ts, zone);
        return unit switch
        {
            DateTimeUnit.Milliseconds => new PgNumeric((tm.Second * 1_000_000L) + tm.Fsec, 3),
            DateTimeUnit.Second => new PgNumeric((tm.Second * 1_000_000L) + tm.Fsec, 6),
            DateTimeUnit.Julian => NumericMath.Add(
                new PgNumeric(Calendar.Date2J(tm.Year, tm.Month, tm.Day), 0),
                NumericMath.Div(new PgNumeric(ExtractFunctions.TimeOfDay(tm), 0), new PgNumeric(Calendar.UsecsPerDay, 0))),
            _ => new PgNumeric(IntegerField(unit, tm, tz, lowered), 0),
        };
    }

    /// <summary>date_part(text, timestamptz).</summary>
    public static double? TimestamptzPart(TextRef units, long ts, int zone)
    {
        var unit = ExtractFunctions.CheckUnit(units, TimestamptzType, out string lowered);
        if (!ExtractFunctions.IsFinite(ts))
        {
            if (DateTimeUnits.IsMonotonic(unit)) return ts < 0 ? double.NegativeInfinity : double.PositiveInfinity;
            return null;
        }
        if (unit == DateTimeUnit.Epoch) return ExtractFunctions.TimestampPart(units, ts);
        var (tm, tz, _) = ToLocal(ts, zone);
        return unit switch
        {
            DateTimeUnit.Milliseconds => (tm.Second * 1000.0) + (tm.Fsec / 1000.0),
            DateTimeUnit.Second => tm.Second + (tm.Fsec / 1000000.0),
            DateTimeUnit.Julian => Calendar.Date2J(tm.Year, tm.Month, tm.Day)
                + (((((tm.Hour * 60) + tm.Minute) * 60) + tm.Second + (tm.Fsec / 1000000.0)) / 86400.0),
            _ => IntegerField(unit, tm, tz, lowered),
        };
    }

    private static long IntegerField(DateTimeUnit unit, Calendar.Tm tm, int tz, string lowered) => unit switch
    {
        DateTimeUnit.Timezone => -tz,
        DateTimeUnit.TimezoneMinute => -tz / 60 % 60,
        DateTimeUnit.TimezoneHour => -tz / 3600,
        _ => ExtractFunctions.IntegerField(unit, tm, lowered, TimestamptzType),
    };

    /// <summary>
    /// timestamptz_trunc: the local fields truncated; for a day or more the zone's offset of the
    /// truncated local time (which may differ across a DST change), else the original offset.
    /// </summary>
    public static long TimestamptzTrunc(TextRef units, long ts, int zone)
    {
        if (!ExtractFunctions.IsFinite(ts)) return ts;
        var unit = ExtractFunctions.CheckUnit(units, TimestamptzType, out string lowered);
        var (tm, tz, _) = ToLocal(ts, zone);
        var truncated = ExtractFunctions.Truncate(unit, tm, lowered, TimestamptzType, out bool redo);
        return Calendar.FromTm(truncated, redo ? OffsetOf(truncated, zone) : tz);
    }

    /// <summary>
    /// timestamptz_pl_interval: months then days in local time (each finding the zone's offset of
    /// the new local time, so a day across a DST change is 23 or 25 hours), then the microseconds.
    /// </summary>
    public static long TimestamptzPlInterval(long ts, PgInterval span, int zone)
    {
        if (!ExtractFunctions.IsFinite(ts)) return ts;
        if (span.Months != 0)
        {
            var (tm, _, _) = ToLocal(ts, zone);
            var moved = Calendar.AddMonths(tm, span.Months);
            ts = Calendar.FromTm(moved, OffsetOf(moved, zone));
        }
        if (span.Days != 0)
        {
            var (tm, _, _) = ToLocal(ts, zone);
            var (y, m, d) = Calendar.J2Date(Calendar.Date2J(tm.Year, tm.Month, tm.Day) + span.Days);
            var moved = tm with { Year = y, Month = m, Day = d };
            ts = Calendar.FromTm(moved, OffsetOf(moved, zone));
        }
        long result = ts + span.Micros;
        if (((ts ^ result) & (span.Micros ^ result)) < 0 || result < Calendar.MinTimestamp || result >= Calendar.EndTimestamp)
            PgErrors.TimestampOutOfRange();
        return result;
    }

    /// <summary>timestamptz_mi_interval: adds the negated interval (each field negated as C does).</summary>
    public static long TimestamptzMiInterval(long ts, PgInterval span, int zone) =>
        TimestamptzPlInterval(ts, new PgInterval(unchecked(-span.Micros), unchecked(-span.Days), unchecked(-span.Months)), zone);
}
