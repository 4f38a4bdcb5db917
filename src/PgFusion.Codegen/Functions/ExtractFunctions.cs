using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// EXTRACT (numeric results: extract_date, extract_timestamp), date_part (float8: timestamp_part,
/// and date_part(text, date) = date_part(text, date::timestamp)) and date_trunc(text, timestamp),
/// as timestamp.c and date.c of PostgreSQL 15 compute them. An infinite input gives ±Infinity for
/// the monotonic units and NULL for the others.
/// </summary>
public static class ExtractFunctions
{
    private const string TimestampType = "timestamp without time zone";
    private const string DateType = "date";

    internal static bool IsFinite(long ts) => ts != PgEpoch.TimestampNegativeInfinity && ts != PgEpoch.TimestampPositiveInfinity;

    /// <summary>Units whose value is an integer for a timestamp (everything but second, millisecond, julian and epoch).</summary>
    internal static long IntegerField(DateTimeUnit unit, Calendar.Tm tm, string lowered, string type)
    {
        int y = tm.Year;
        switch (unit)
        {
            case DateTimeUnit.Microseconds: return (tm.Second * 1_000_000L) + tm.Fsec;
            case DateTimeUnit.Minute: return tm.Minute;
            case DateTimeUnit.Hour: return tm.Hour;
            case DateTimeUnit.Day: return tm.Day;
            case DateTimeUnit.Month: return tm.Month;
            case DateTimeUnit.Quarter: return ((tm.Month - 1) / 3) + 1;
            case DateTimeUnit.Week: return Calendar.IsoWeek(y, tm.Month, tm.Day);
            case DateTimeUnit.Year: return y > 0 ? y : y - 1;
            case DateTimeUnit.Decade: return y >= 0 ? y / 10 : -((8 - (y - 1)) / 10);
            case DateTimeUnit.Century: return y > 0 ? (y + 99) / 100 : -((99 - (y - 1)) / 100);
            case DateTimeUnit.Millennium: return y > 0 ? (y + 999) / 1000 : -((999 - (y - 1)) / 1000);
            case DateTimeUnit.IsoYear:
            {
                int iy = Calendar.IsoYear(y, tm.Month, tm.Day);
                return iy <= 0 ? iy - 1 : iy;
            }
            case DateTimeUnit.Dow:
            case DateTimeUnit.IsoDow:
            {
                int dow = Calendar.J2Day(Calendar.Date2J(y, tm.Month, tm.Day));
                return unit == DateTimeUnit.IsoDow && dow == 0 ? 7 : dow;
            }
            case DateTimeUnit.Doy: return Calendar.Date2J(y, tm.Month, tm.Day) - Calendar.Date2J(y, 1, 1) + 1;
            default:
                DateTimeUnits.NotSupported(lowered, type);
                return 0;
        }
    }

    internal static DateTimeUnit CheckUnit(TextRef units, string type, out string lowered)
    {
        (var unit, lowered) = DateTimeUnits.Decode(units);
        if (unit == DateTimeUnit.Unknown) DateTimeUnits.NotRecognized(lowered, type);
        return unit;
    }

    public static PgNumeric? ExtractTimestamp(TextRef units, long ts)
    {
        var unit = CheckUnit(units, TimestampType, out string lowered);
        if (!IsFinite(ts))
        {
            if (DateTimeUnits.IsMonotonic(unit)) return ts < 0 ? PgNumeric.NegativeInfinity : PgNumeric.PositiveInfinity;
            if (unit is DateTimeUnit.Timezone or DateTimeUnit.TimezoneHour or DateTimeUnit.TimezoneMinute) DateTimeUnits.NotSupported(lowered, TimestampType);
            return null;
        }
        if (unit == DateTimeUnit.Epoch)
        {
            // Past int64, PostgreSQL divides in numeric (select_div_scale) and rounds back to 6 digits.
            Int128 micros = (Int128)ts + PgEpoch.UnixEpochMicros;
            if (micros <= long.MaxValue) return new PgNumeric(micros, 6);
            return NumericMath.RoundAt(NumericMath.Div(new PgNumeric(micros, 0), new PgNumeric(1_000_000, 0)), 6);
        }
        var tm = Calendar.ToTm(ts);
        switch (unit)
        {
            case DateTimeUnit.Milliseconds: return new PgNumeric((tm.Second * 1_000_000L) + tm.Fsec, 3);
            case DateTimeUnit.Second: return new PgNumeric((tm.Second * 1_000_000L) + tm.Fsec, 6);
            case DateTimeUnit.Julian:
                return NumericMath.Add(
                    new PgNumeric(Calendar.Date2J(tm.Year, tm.Month, tm.Day), 0),
                    NumericMath.Div(new PgNumeric(TimeOfDay(tm), 0), new PgNumeric(Calendar.UsecsPerDay, 0)));
            default: return new PgNumeric(IntegerField(unit, tm, lowered, TimestampType), 0);
        }
    }

    internal static long TimeOfDay(Calendar.Tm tm) => (((((tm.Hour * 60L) + tm.Minute) * 60L) + tm.Second) * 1_000_000L) + tm.Fsec;

    public static double? TimestampPart(TextRef units, long ts)
    {
        var unit = CheckUnit(units, TimestampType, out string lowered);
        if (!IsFinite(ts))
        {
            if (DateTimeUnits.IsMonotonic(unit)) return ts < 0 ? double.NegativeInfinity : double.PositiveInfinity;
            if (unit is DateTimeUnit.Timezone or DateTimeUnit.TimezoneHour or DateTimeUnit.TimezoneMinute) DateTimeUnits.NotSupported(lowered, TimestampType);
            return null;
        }
        if (unit == DateTimeUnit.Epoch)
        {
            long epoch = -PgEpoch.UnixEpochMicros;
            return ts < long.MaxValue + epoch ? (ts - epoch) / 1000000.0 : ((double)ts - epoch) / 1000000.0;
        }
        var tm = Calendar.ToTm(ts);
        return unit switch
        {
            DateTimeUnit.Milliseconds => (tm.Second * 1000.0) + (tm.Fsec / 1000.0),
            DateTimeUnit.Second => tm.Second + (tm.Fsec / 1000000.0),
            DateTimeUnit.Julian => Calendar.Date2J(tm.Year, tm.Month, tm.Day)
                + (((((tm.Hour * 60) + tm.Minute) * 60) + tm.Second + (tm.Fsec / 1000000.0)) / 86400.0),
            _ => IntegerField(unit, tm, lowered, TimestampType),
        };
    }

    /// <summary>date_part(text, date): the SQL function date_part($1, $2::timestamp).</summary>
    public static double? DatePart(TextRef units, int date) => TimestampPart(units, DateTimeFunctions.DateToTimestamp(date));

    public static PgNumeric? ExtractDate(TextRef units, int date)
    {
        var unit = CheckUnit(units, DateType, out string lowered);
        if (date == PgEpoch.DateNegativeInfinity || date == PgEpoch.DatePositiveInfinity)
        {
            if (DateTimeUnits.IsMonotonic(unit)) return date < 0 ? PgNumeric.NegativeInfinity : PgNumeric.PositiveInfinity;
            if (unit is DateTimeUnit.Day or DateTimeUnit.Month or DateTimeUnit.Quarter or DateTimeUnit.Week
                or DateTimeUnit.Dow or DateTimeUnit.IsoDow or DateTimeUnit.Doy)
                return null;
            DateTimeUnits.NotSupported(lowered, DateType);
        }
        if (unit == DateTimeUnit.Epoch) return new PgNumeric(((long)date + PgEpoch.UnixEpochDays) * 86400L, 0);
        if (unit == DateTimeUnit.Julian) return new PgNumeric((long)date + Calendar.PostgresEpochJDate, 0);
        if (unit is not (DateTimeUnit.Day or DateTimeUnit.Month or DateTimeUnit.Quarter or DateTimeUnit.Week or DateTimeUnit.Year
            or DateTimeUnit.Decade or DateTimeUnit.Century or DateTimeUnit.Millennium or DateTimeUnit.IsoYear
            or DateTimeUnit.Dow or DateTimeUnit.IsoDow or DateTimeUnit.Doy))
            DateTimeUnits.NotSupported(lowered, DateType);
        var (y, m, d) = Calendar.J2Date(date + Calendar.PostgresEpochJDate);
        return new PgNumeric(IntegerField(unit, new Calendar.Tm(y, m, d, 0, 0, 0, 0), lowered, DateType), 0);
    }

    /// <summary>timestamp_trunc.</summary>
    public static long TimestampTrunc(TextRef units, long ts)
    {
        var unit = CheckUnit(units, TimestampType, out string lowered);
        if (!IsFinite(ts)) return ts;
        return Calendar.FromTm(Truncate(unit, Calendar.ToTm(ts), lowered, TimestampType, out _));
    }

    /// <summary>
    /// timestamp_trunc's and timestamptz_trunc's field truncation; <paramref name="dayOrLarger"/>
    /// tells timestamptz_trunc to find the zone's offset again for the truncated local time (redotz).
    /// </summary>
    internal static Calendar.Tm Truncate(DateTimeUnit unit, Calendar.Tm tm, string lowered, string type, out bool dayOrLarger)
    {
        int y = tm.Year, mon = tm.Month, day = tm.Day, hour = tm.Hour, min = tm.Minute, sec = tm.Second, fsec = tm.Fsec;
        dayOrLarger = true;
        switch (unit)
        {
            case DateTimeUnit.Week:
            {
                int woy = Calendar.IsoWeek(y, mon, day);
                if (woy >= 52 && mon == 1) y--;
                if (woy <= 1 && mon == 12) y++;
                (y, mon, day) = Calendar.J2Date(Calendar.IsoWeek2J(y, woy));
                return new Calendar.Tm(y, mon, day, 0, 0, 0, 0);
            }
            case DateTimeUnit.Millennium:
                y = y > 0 ? (((y + 999) / 1000) * 1000) - 999 : (-((999 - (y - 1)) / 1000) * 1000) + 1;
                return new Calendar.Tm(y, 1, 1, 0, 0, 0, 0);
            case DateTimeUnit.Century:
                y = y > 0 ? (((y + 99) / 100) * 100) - 99 : (-((99 - (y - 1)) / 100) * 100) + 1;
                return new Calendar.Tm(y, 1, 1, 0, 0, 0, 0);
            case DateTimeUnit.Decade:
                y = y > 0 ? y / 10 * 10 : -((8 - (y - 1)) / 10) * 10;
                return new Calendar.Tm(y, 1, 1, 0, 0, 0, 0);
            case DateTimeUnit.Year: return new Calendar.Tm(y, 1, 1, 0, 0, 0, 0);
            case DateTimeUnit.Quarter: return new Calendar.Tm(y, (3 * ((mon - 1) / 3)) + 1, 1, 0, 0, 0, 0);
            case DateTimeUnit.Month: return new Calendar.Tm(y, mon, 1, 0, 0, 0, 0);
            case DateTimeUnit.Day: return new Calendar.Tm(y, mon, day, 0, 0, 0, 0);
        }
        dayOrLarger = false;
        switch (unit)
        {
            case DateTimeUnit.Hour: return new Calendar.Tm(y, mon, day, hour, 0, 0, 0);
            case DateTimeUnit.Minute: return new Calendar.Tm(y, mon, day, hour, min, 0, 0);
            case DateTimeUnit.Second: return new Calendar.Tm(y, mon, day, hour, min, sec, 0);
            case DateTimeUnit.Milliseconds: return new Calendar.Tm(y, mon, day, hour, min, sec, fsec / 1000 * 1000);
            case DateTimeUnit.Microseconds: return tm;
            default:
                DateTimeUnits.NotSupported(lowered, type);
                return tm;
        }
    }
}
