namespace PgFusion.Codegen.Functions;

/// <summary>
/// datetime.c / timestamp.c calendar arithmetic: Julian day numbers (date2j, j2date, j2day), ISO
/// weeks, and a timestamp split into fields (timestamp2tm, astronomical years: 0 is 1 BC).
/// </summary>
public static class Calendar
{
    public const int PostgresEpochJDate = 2451545;
    public const long UsecsPerDay = 86_400_000_000L;
    /// <summary>timestamp.h MIN_TIMESTAMP and END_TIMESTAMP (4714-11-24 BC and 294277-01-01).</summary>
    public const long MinTimestamp = -211813488000000000L;
    public const long EndTimestamp = 9223371331200000000L;

    public static int Date2J(int year, int month, int day)
    {
        if (month > 2)
        {
            month += 1;
            year += 4800;
        }
        else
        {
            month += 13;
            year += 4799;
        }
        int century = year / 100;
        int julian = (year * 365) - 32167;
        julian += (year / 4) - century + (century / 4);
        julian += (7834 * month / 256) + day;
        return julian;
    }

    public static (int Year, int Month, int Day) J2Date(int jd)
    {
        uint julian = (uint)jd;
        julian += 32044;
        uint quad = julian / 146097;
        uint extra = ((julian - (quad * 146097)) * 4) + 3;
        julian += 60 + (quad * 3) + (extra / 146097);
        quad = julian / 1461;
        julian -= quad * 1461;
        int y = (int)(julian * 4 / 1461);
        julian = (y != 0 ? (julian + 305) % 365 : (julian + 306) % 366) + 123;
        y += (int)(quad * 4);
        int year = y - 4800;
        quad = julian * 2141 / 65536;
        int day = (int)(julian - (7834 * quad / 256));
        int month = (int)((quad + 10) % 12) + 1;
        return (year, month, day);
    }

    /// <summary>Day of the week, 0 = Sunday.</summary>
    public static int J2Day(int date)
    {
        date += 1;
        date %= 7;
        return date < 0 ? date + 7 : date;
    }

    public static int IsoWeek(int year, int mon, int mday)
    {
        int dayn = Date2J(year, mon, mday);
        int day4 = Date2J(year, 1, 4);
        int day0 = J2Day(day4 - 1);
        if (dayn < day4 - day0)
        {
            day4 = Date2J(year - 1, 1, 4);
            day0 = J2Day(day4 - 1);
        }
        int result = ((dayn - (day4 - day0)) / 7) + 1;
        if (result >= 52)
        {
            day4 = Date2J(year + 1, 1, 4);
            day0 = J2Day(day4 - 1);
            if (dayn >= day4 - day0) result = ((dayn - (day4 - day0)) / 7) + 1;
        }
        return result;
    }

    public static int IsoYear(int year, int mon, int mday)
    {
        int dayn = Date2J(year, mon, mday);
        int day4 = Date2J(year, 1, 4);
        int day0 = J2Day(day4 - 1);
        if (dayn < day4 - day0)
        {
            day4 = Date2J(year - 1, 1, 4);
            day0 = J2Day(day4 - 1);
            year--;
        }
        int result = ((dayn - (day4 - day0)) / 7) + 1;
        if (result >= 52)
        {
            day4 = Date2J(year + 1, 1, 4);
            day0 = J2Day(day4 - 1);
            if (dayn >= day4 - day0) year++;
        }
        return year;
    }

    /// <summary>isoweek2j: the Julian day of the Monday of ISO week <paramref name="week"/> of <paramref name="isoYear"/>.</summary>
    public static int IsoWeek2J(int isoYear, int week)
    {
        int day4 = Date2J(isoYear, 1, 4);
        int day0 = J2Day(day4 - 1);
        return ((week - 1) * 7) + (day4 - day0);
    }

    public static bool IsLeap(int y) => y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);

    public static int DaysInMonth(int year, int month) => month switch
    {
        2 => IsLeap(year) ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };

    /// <summary>
    /// <paramref name="tm"/> moved by <paramref name="months"/> as timestamp_pl_interval moves it:
    /// the year carries, and the day is clamped to the new month's last day.
    /// </summary>
    public static Tm AddMonths(Tm tm, int months)
    {
        int mon = tm.Month + months;
        int year = tm.Year;
        if (mon > 12)
        {
            year += (mon - 1) / 12;
            mon = ((mon - 1) % 12) + 1;
        }
        else if (mon < 1)
        {
            year += (mon / 12) - 1;
            mon = (mon % 12) + 12;
        }
        return tm with { Year = year, Month = mon, Day = Math.Min(tm.Day, DaysInMonth(year, mon)) };
    }

    /// <summary>Broken-down timestamp fields (struct pg_tm plus fsec).</summary>
    public record struct Tm(int Year, int Month, int Day, int Hour, int Minute, int Second, int Fsec);

    /// <summary>timestamp2tm without a time zone; "timestamp out of range" where it fails.</summary>
    public static Tm ToTm(long ts)
    {
        long date = ts / UsecsPerDay;
        long time = ts - (date * UsecsPerDay);
        if (time < 0)
        {
            time += UsecsPerDay;
            date -= 1;
        }
        date += PostgresEpochJDate;
        if (date < 0 || date > int.MaxValue) Values.PgErrors.TimestampOutOfRange();
        return FieldsOf(date, time);
    }

    /// <summary>
    /// The fields of a local time that timestamp2tm got from pg_localtime: no range check, since a
    /// time near the ends of the range may be shifted past them by the zone's offset and still print.
    /// </summary>
    public static Tm ToTmLocal(long local)
    {
        long date = local / UsecsPerDay;
        long time = local - (date * UsecsPerDay);
        if (time < 0)
        {
            time += UsecsPerDay;
            date -= 1;
        }
        return FieldsOf(date + PostgresEpochJDate, time);
    }

    private static Tm FieldsOf(long date, long time)
    {
        var (y, m, d) = J2Date((int)date);
        var (hour, min, sec, fsec) = SplitTime(time);
        return new Tm(y, m, d, hour, min, sec, fsec);
    }

    /// <summary>time2tm: microseconds of the day (0 .. 24:00:00) as hour, minute, second and microseconds.</summary>
    public static (int Hour, int Minute, int Second, int Fsec) SplitTime(long time)
    {
        int hour = (int)(time / 3_600_000_000L);
        time -= hour * 3_600_000_000L;
        int minute = (int)(time / 60_000_000L);
        time -= minute * 60_000_000L;
        int second = (int)(time / 1_000_000L);
        return (hour, minute, second, (int)(time - (second * 1_000_000L)));
    }

    /// <summary>tm2timestamp: "timestamp out of range" outside the valid range.</summary>
    public static long FromTm(Tm tm) => FromTm(tm, 0);

    /// <summary>tm2timestamp with a zone: the local fields, <paramref name="tz"/> seconds west of UTC, to UTC; the range check is on the UTC value.</summary>
    public static long FromTm(Tm tm, int tz)
    {
        if (!IsValidJulian(tm.Year, tm.Month)) Values.PgErrors.TimestampOutOfRange();
        long date = (long)Date2J(tm.Year, tm.Month, tm.Day) - PostgresEpochJDate;
        long time = ((((tm.Hour * 60L) + tm.Minute) * 60L) + tm.Second) * 1_000_000L + tm.Fsec;
        Int128 result = ((Int128)date * UsecsPerDay) + time + ((Int128)tz * 1_000_000L);
        if (result < MinTimestamp || result >= EndTimestamp) Values.PgErrors.TimestampOutOfRange();
        return (long)result;
    }

    /// <summary>IS_VALID_JULIAN at month granularity (JULIAN_MINYEAR -4713 November .. JULIAN_MAXYEAR 5874898 June).</summary>
    private static bool IsValidJulian(int y, int m) =>
        (y > -4713 || (y == -4713 && m >= 11)) && (y < 5874898 || (y == 5874898 && m < 6));
}
