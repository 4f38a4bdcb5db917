using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// EXTRACT (numeric) and date_part (float8) of an interval (timestamp.c interval_part_common):
/// fields from interval2itm (C division, so negative intervals give negative fields); epoch counts
/// a year as 365.25 days and a month as 30.
/// </summary>
public static class IntervalExtractFunctions
{
    private const string IntervalType = "interval";
    private const long SecsPerYear = 31_557_600; // DAYS_PER_YEAR (365.25) * SECS_PER_DAY
    private const long SecsPerMonth = 2_592_000; // DAYS_PER_MONTH (30) * SECS_PER_DAY

    private readonly record struct Itm(long Year, long Month, long Day, long Hour, long Minute, long Second, long Usec);

    private static Itm Fields(PgInterval i)
    {
        long time = i.Micros;
        long hour = time / 3_600_000_000L;
        time -= hour * 3_600_000_000L;
        long min = time / 60_000_000L;
        time -= min * 60_000_000L;
        long sec = time / 1_000_000L;
        return new Itm(i.Months / 12, i.Months % 12, i.Days, hour, min, sec, time - (sec * 1_000_000L));
    }

    private static DateTimeUnit Unit(TextRef units, out string lowered)
    {
        (var unit, lowered) = DateTimeUnits.Decode(units);
        if (unit == DateTimeUnit.Unknown) DateTimeUnits.NotRecognized(lowered, IntervalType);
        return unit;
    }

    private static long IntegerField(DateTimeUnit unit, Itm f, string lowered)
    {
        switch (unit)
        {
            case DateTimeUnit.Microseconds: return (f.Second * 1_000_000L) + f.Usec;
            case DateTimeUnit.Minute: return f.Minute;
            case DateTimeUnit.Hour: return f.Hour;
            case DateTimeUnit.Day: return f.Day;
            case DateTimeUnit.Month: return f.Month;
            case DateTimeUnit.Quarter: return (f.Month / 3) + 1;
            case DateTimeUnit.Year: return f.Year;
            case DateTimeUnit.Decade: return f.Year / 10;
            case DateTimeUnit.Century: return f.Year / 100;
            case DateTimeUnit.Millennium: return f.Year / 1000;
            default:
                DateTimeUnits.NotSupported(lowered, IntervalType);
                return 0;
        }
    }

    public static PgNumeric ExtractInterval(TextRef units, PgInterval i)
    {
        var unit = Unit(units, out string lowered);
        if (unit == DateTimeUnit.Epoch)
        {
            long secs = (SecsPerYear * (i.Months / 12)) + (SecsPerMonth * (i.Months % 12)) + (86_400L * i.Days);
            return new PgNumeric(((Int128)secs * 1_000_000) + i.Micros, 6);
        }
        var f = Fields(i);
        return unit switch
        {
            DateTimeUnit.Milliseconds => new PgNumeric((f.Second * 1_000_000L) + f.Usec, 3),
            DateTimeUnit.Second => new PgNumeric((f.Second * 1_000_000L) + f.Usec, 6),
            _ => new PgNumeric(IntegerField(unit, f, lowered), 0),
        };
    }

    public static double IntervalPart(TextRef units, PgInterval i)
    {
        var unit = Unit(units, out string lowered);
        if (unit == DateTimeUnit.Epoch)
        {
            double result = i.Micros / 1000000.0;
            result += (365.25 * 86400) * (i.Months / 12);
            result += (30.0 * 86400) * (i.Months % 12);
            result += 86400.0 * i.Days;
            return result;
        }
        var f = Fields(i);
        return unit switch
        {
            DateTimeUnit.Microseconds => (f.Second * 1000000.0) + f.Usec,
            DateTimeUnit.Milliseconds => (f.Second * 1000.0) + (f.Usec / 1000.0),
            DateTimeUnit.Second => f.Second + (f.Usec / 1000000.0),
            _ => IntegerField(unit, f, lowered),
        };
    }
}
