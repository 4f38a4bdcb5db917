using System.Text;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Values;
using PgFusion.Planner.Json;
using PgFusion.Types;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// interval_out (datetime.c EncodeInterval over interval2itm's fields, C division so every field
/// carries the sign of its part): the four IntervalStyles, taken as a constant second argument
/// the planner adds (<see cref="IntervalStyleCodes"/>).
/// </summary>
public static class IntervalOutput
{
    private readonly record struct Fields(int Year, int Month, long Day, long Hour, int Minute, int Second, int Usec);

    private static Fields Split(PgInterval span)
    {
        long time = span.Micros;
        long hour = time / 3_600_000_000L;
        time -= hour * 3_600_000_000L;
        int minute = (int)(time / 60_000_000L);
        time -= minute * 60_000_000L;
        int second = (int)(time / 1_000_000L);
        return new Fields(span.Months / 12, span.Months % 12, span.Days, hour, minute, second, (int)(time - (second * 1_000_000L)));
    }

    public static TextRef IntervalOut(KernelContext ctx, PgInterval span, int style)
    {
        var f = Split(span);
        var text = new StringBuilder(48);
        switch (style)
        {
            case IntervalStyleCodes.SqlStandard: SqlStandard(text, f); break;
            case IntervalStyleCodes.Iso8601: Iso8601(text, f); break;
            case IntervalStyleCodes.Postgres: Postgres(text, f); break;
            default: PostgresVerbose(text, f); break;
        }
        return TextOutput.Write(ctx, text.ToString());
    }

    /// <summary>
    /// "1-2" (year-month), "3 4:05:06" (day time), "4:05:06", one leading sign for a value whose
    /// parts share it; a value mixing signs or year-month with day-time parts prints every group signed.
    /// </summary>
    private static void SqlStandard(StringBuilder text, Fields f)
    {
        var (year, mon, mday, hour, min, sec, fsec) = f;
        bool hasNegative = year < 0 || mon < 0 || mday < 0 || hour < 0 || min < 0 || sec < 0 || fsec < 0;
        bool hasPositive = year > 0 || mon > 0 || mday > 0 || hour > 0 || min > 0 || sec > 0 || fsec > 0;
        bool hasYearMonth = year != 0 || mon != 0;
        bool hasDayTime = mday != 0 || hour != 0 || min != 0 || sec != 0 || fsec != 0;
        bool standard = !(hasNegative && hasPositive) && !(hasYearMonth && hasDayTime);
        if (hasNegative && standard)
        {
            text.Append('-');
            year = -year; mon = -mon; mday = -mday; hour = -hour; min = -min; sec = -sec; fsec = -fsec;
        }
        if (!hasNegative && !hasPositive)
        {
            text.Append('0');
        }
        else if (!standard)
        {
            char yearSign = year < 0 || mon < 0 ? '-' : '+';
            char daySign = mday < 0 ? '-' : '+';
            char secSign = hour < 0 || min < 0 || sec < 0 || fsec < 0 ? '-' : '+';
            text.Append(yearSign).Append(N(Math.Abs((long)year))).Append('-').Append(N(Math.Abs((long)mon)))
                .Append(' ').Append(daySign).Append(Abs(mday))
                .Append(' ').Append(secSign).Append(Abs(hour)).Append(':').Append(Two(Math.Abs(min))).Append(':');
            Seconds(text, sec, fsec, true);
        }
        else if (hasYearMonth)
        {
            text.Append(N(year)).Append('-').Append(N(mon));
        }
        else if (mday != 0)
        {
            text.Append(N(mday)).Append(' ').Append(N(hour)).Append(':').Append(Two(min)).Append(':');
            Seconds(text, sec, fsec, true);
        }
        else
        {
            text.Append(N(hour)).Append(':').Append(Two(min)).Append(':');
            Seconds(text, sec, fsec, true);
        }
    }

    /// <summary>ISO 8601 durations: "P1Y2M3DT4H5M6.5S", "PT0S" for zero; each part keeps its own sign.</summary>
    private static void Iso8601(StringBuilder text, Fields f)
    {
        var (year, mon, mday, hour, min, sec, fsec) = f;
        if (year == 0 && mon == 0 && mday == 0 && hour == 0 && min == 0 && sec == 0 && fsec == 0)
        {
            text.Append("PT0S");
            return;
        }
        text.Append('P');
        Part(text, year, 'Y');
        Part(text, mon, 'M');
        Part(text, mday, 'D');
        if (hour != 0 || min != 0 || sec != 0 || fsec != 0) text.Append('T');
        Part(text, hour, 'H');
        Part(text, min, 'M');
        if (sec != 0 || fsec != 0)
        {
            if (sec < 0 || fsec < 0) text.Append('-');
            Seconds(text, sec, fsec, false);
            text.Append('S');
        }

        static void Part(StringBuilder text, long value, char unit)
        {
            if (value != 0) text.Append(N(value)).Append(unit);
        }
    }

    /// <summary>"1 year 2 mons 3 days 04:05:06": each nonzero part after a negative one gets an explicit '+'.</summary>
    private static void Postgres(StringBuilder text, Fields f)
    {
        bool isZero = true, isBefore = false;
        Part(text, f.Year, "year", ref isZero, ref isBefore);
        Part(text, f.Month, "mon", ref isZero, ref isBefore);
        Part(text, f.Day, "day", ref isZero, ref isBefore);
        if (isZero || f.Hour != 0 || f.Minute != 0 || f.Second != 0 || f.Usec != 0)
        {
            bool minus = f.Hour < 0 || f.Minute < 0 || f.Second < 0 || f.Usec < 0;
            if (!isZero) text.Append(' ');
            text.Append(minus ? "-" : isBefore ? "+" : "");
            text.Append(Abs(f.Hour).PadLeft(2, '0')).Append(':').Append(Two(Math.Abs(f.Minute))).Append(':');
            Seconds(text, f.Second, f.Usec, true);
        }

        static void Part(StringBuilder text, long value, string units, ref bool isZero, ref bool isBefore)
        {
            if (value == 0) return;
            if (!isZero) text.Append(' ');
            if (isBefore && value > 0) text.Append('+');
            text.Append(N(value)).Append(' ').Append(units);
            if (value != 1) text.Append('s');
            isBefore = value < 0; // each nonzero part decides the '+' of the next one only
            isZero = false;
        }
    }

    /// <summary>"@ 1 year 2 mons 3 days 4 hours 5 mins 6.5 secs", with " ago" for a value whose first part is negative.</summary>
    private static void PostgresVerbose(StringBuilder text, Fields f)
    {
        bool isZero = true, isBefore = false;
        text.Append('@');
        Part(text, f.Year, "year", ref isZero, ref isBefore);
        Part(text, f.Month, "mon", ref isZero, ref isBefore);
        Part(text, f.Day, "day", ref isZero, ref isBefore);
        Part(text, f.Hour, "hour", ref isZero, ref isBefore);
        Part(text, f.Minute, "min", ref isZero, ref isBefore);
        int sec = f.Second, fsec = f.Usec;
        if (sec != 0 || fsec != 0)
        {
            text.Append(' ');
            if (sec < 0 || (sec == 0 && fsec < 0))
            {
                if (isZero) isBefore = true;
                else if (!isBefore) text.Append('-');
            }
            else if (isBefore)
            {
                text.Append('-');
            }
            Seconds(text, sec, fsec, false);
            text.Append(" sec").Append(Math.Abs(sec) != 1 || fsec != 0 ? "s" : "");
            isZero = false;
        }
        if (isZero) text.Append(" 0");
        if (isBefore) text.Append(" ago");

        static void Part(StringBuilder text, long value, string units, ref bool isZero, ref bool isBefore)
        {
            if (value == 0) return;
            if (isZero)
            {
                isBefore = value < 0; // the first nonzero part decides "ago"
                value = Math.Abs(value);
            }
            else if (isBefore)
            {
                value = -value;
            }
            text.Append(' ').Append(N(value)).Append(' ').Append(units).Append(value == 1 ? "" : "s");
            isZero = false;
        }
    }

    /// <summary>AppendSeconds: |sec| (two digits when <paramref name="fillZeros"/>), then '.' and up to six fraction digits without trailing zeros.</summary>
    private static void Seconds(StringBuilder text, int sec, int fsec, bool fillZeros)
    {
        string whole = Math.Abs(sec).ToString(System.Globalization.CultureInfo.InvariantCulture);
        text.Append(fillZeros ? whole.PadLeft(2, '0') : whole);
        if (fsec == 0) return;
        text.Append('.').Append(Math.Abs(fsec).ToString("D6", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0'));
    }

    private static string N(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Two(int value) => value.ToString("D2", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>|value| of an int64 field as C's llabs prints it (long.MinValue cannot occur: hours come from microseconds / 3.6e9).</summary>
    private static string Abs(long value) => Math.Abs(value).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
