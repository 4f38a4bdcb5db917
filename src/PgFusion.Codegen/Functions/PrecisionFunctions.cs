using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// The length coercions of the datetime types: time(n), timestamp(n), timestamptz(n) and
/// interval's field and precision typmods (date.c time_scale / AdjustTimeForTypmod, timestamp.c
/// timestamp_scale / timestamptz_scale / AdjustTimestampForTypmod, interval_scale /
/// AdjustIntervalForTypmod, as in PostgreSQL 15). Fractional seconds round half away from zero,
/// on the microsecond integers; PostgreSQL 15 checks no range after rounding (a timestamp just
/// below the end of the range may round onto it) and its sums wrap (-fwrapv), as they do here.
/// </summary>
public static class PrecisionFunctions
{
    /// <summary>MAX_TIME_PRECISION, MAX_TIMESTAMP_PRECISION and MAX_INTERVAL_PRECISION: microseconds.</summary>
    private const int MaxPrecision = 6;

    /// <summary>10^(6 - precision): the unit a precision keeps (TimeScales, TimestampScales, IntervalScales).</summary>
    private static readonly long[] Scales = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

    /// <summary>Half of <see cref="Scales"/> (0 at full precision): the offsets added before dividing.</summary>
    private static readonly long[] Offsets = [500_000, 50_000, 5_000, 500, 50, 5, 0];

    /// <summary>Rounds microseconds to <paramref name="precision"/> digits, half away from zero, wrapping as C does.</summary>
    private static long Round(long micros, int precision)
    {
        long scale = Scales[precision], offset = Offsets[precision];
        unchecked
        {
            return micros >= 0
                ? (micros + offset) / scale * scale
                : -((-micros + offset) / scale * scale);
        }
    }

    /// <summary>time_scale: AdjustTimeForTypmod rounds for a typmod 0 .. 6 and leaves the time alone otherwise (23:59:59.9 as time(0) is 24:00:00).</summary>
    public static long TimeScale(long time, int typmod) =>
        typmod is >= 0 and <= MaxPrecision ? Round(time, typmod) : time;

    /// <summary>timestamp_scale and timestamptz_scale: AdjustTimestampForTypmod; infinities, typmod -1 and 6 unchanged.</summary>
    public static long TimestampScale(long ts, int typmod)
    {
        if (!ExtractFunctions.IsFinite(ts) || typmod == -1 || typmod == MaxPrecision) return ts;
        if (typmod is < 0 or > MaxPrecision)
            PgErrors.Raise(InvalidParameterValue, $"timestamp({typmod}) precision must be between 0 and {MaxPrecision}");
        return Round(ts, typmod);
    }

    private const string InvalidParameterValue = "22023";

    // INTERVAL_MASK bits (datetime.h's field numbers) and the typmod's halves (INTERVAL_RANGE, INTERVAL_PRECISION)
    private const int Month = 1 << 1, Year = 1 << 2, Day = 1 << 3, Hour = 1 << 10, Minute = 1 << 11, Second = 1 << 12;
    private const int FullRange = 0x7FFF, FullPrecision = 0xFFFF;

    /// <summary>
    /// interval_scale: AdjustIntervalForTypmod. The fields right of the typmod's last field are
    /// zeroed (YEAR keeps whole years of the months; HOUR and MINUTE truncate the time toward zero),
    /// the ones left of it stay; then the seconds round to the precision.
    /// </summary>
    public static PgInterval IntervalScale(PgInterval span, int typmod)
    {
        if (typmod < 0) return span;
        int range = (typmod >> 16) & 0x7FFF;
        int precision = typmod & 0xFFFF;
        long time = span.Micros;
        int days = span.Days, months = span.Months;
        switch (range)
        {
            case FullRange:
            case Second:
            case Day | Hour | Minute | Second:
            case Hour | Minute | Second:
            case Minute | Second:
                break; // the seconds are rounded below
            case Year:
                months = months / 12 * 12;
                days = 0;
                time = 0;
                break;
            case Month:
            case Year | Month:
                days = 0;
                time = 0;
                break;
            case Day:
                time = 0;
                break;
            case Hour:
            case Day | Hour:
                time = time / 3_600_000_000L * 3_600_000_000L;
                break;
            case Minute:
            case Day | Hour | Minute:
            case Hour | Minute:
                time = time / 60_000_000L * 60_000_000L;
                break;
            default:
                PgErrors.Raise("XX000", $"unrecognized interval typmod: {typmod}");
                break;
        }
        if (precision != FullPrecision)
        {
            if (precision > MaxPrecision)
                PgErrors.Raise(InvalidParameterValue, $"interval({precision}) precision must be between 0 and {MaxPrecision}");
            time = Round(time, precision);
        }
        return new PgInterval(time, days, months);
    }
}
