using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Functions;

/// <summary>interval arithmetic and comparison, and timestamp/date ± interval (timestamp.c, date.c).</summary>
public static class IntervalFunctions
{
    private static void IntervalOutOfRange() => PgErrors.Raise(PgErrors.DatetimeFieldOverflow, "interval out of range");

    private static bool IsFinite(long ts) => ts != PgEpoch.TimestampNegativeInfinity && ts != PgEpoch.TimestampPositiveInfinity;

    /// <summary>timestamp_pl_interval: months (clamping the day to the month's end), then days, then the time part.</summary>
    public static long TimestampPlInterval(long ts, PgInterval span)
    {
        if (!IsFinite(ts)) return ts;
        if (span.Months != 0)
        {
            var tm = Calendar.ToTm(ts);
            ts = Calendar.FromTm(Calendar.AddMonths(tm, span.Months));
        }
        if (span.Days != 0)
        {
            var tm = Calendar.ToTm(ts);
            var (y, m, d) = Calendar.J2Date(Calendar.Date2J(tm.Year, tm.Month, tm.Day) + span.Days);
            ts = Calendar.FromTm(tm with { Year = y, Month = m, Day = d });
        }
        long result = ts + span.Micros;
        if (((ts ^ result) & (span.Micros ^ result)) < 0 || result < Calendar.MinTimestamp || result >= Calendar.EndTimestamp)
            PgErrors.TimestampOutOfRange();
        return result;
    }

    /// <summary>timestamp_mi_interval: adds the negated interval (each field negated as C does, wrapping).</summary>
    public static long TimestampMiInterval(long ts, PgInterval span) =>
        TimestampPlInterval(ts, new PgInterval(unchecked(-span.Micros), unchecked(-span.Days), unchecked(-span.Months)));

    public static long DatePlInterval(int date, PgInterval span) => TimestampPlInterval(DateTimeFunctions.DateToTimestamp(date), span);

    public static long DateMiInterval(int date, PgInterval span) => TimestampMiInterval(DateTimeFunctions.DateToTimestamp(date), span);

    public static PgInterval IntervalPl(PgInterval a, PgInterval b)
    {
        int months = unchecked(a.Months + b.Months);
        if (SameSign(a.Months, b.Months) && !SameSign(months, a.Months)) IntervalOutOfRange();
        int days = unchecked(a.Days + b.Days);
        if (SameSign(a.Days, b.Days) && !SameSign(days, a.Days)) IntervalOutOfRange();
        long time = unchecked(a.Micros + b.Micros);
        if (SameSign(a.Micros, b.Micros) && !SameSign(time, a.Micros)) IntervalOutOfRange();
        return new PgInterval(time, days, months);
    }

    public static PgInterval IntervalMi(PgInterval a, PgInterval b)
    {
        int months = unchecked(a.Months - b.Months);
        if (!SameSign(a.Months, b.Months) && !SameSign(months, a.Months)) IntervalOutOfRange();
        int days = unchecked(a.Days - b.Days);
        if (!SameSign(a.Days, b.Days) && !SameSign(days, a.Days)) IntervalOutOfRange();
        long time = unchecked(a.Micros - b.Micros);
        if (!SameSign(a.Micros, b.Micros) && !SameSign(time, a.Micros)) IntervalOutOfRange();
        return new PgInterval(time, days, months);
    }

    public static PgInterval IntervalUm(PgInterval a)
    {
        if (a.Micros == long.MinValue || a.Days == int.MinValue || a.Months == int.MinValue) IntervalOutOfRange();
        return new PgInterval(-a.Micros, -a.Days, -a.Months);
    }

    private static bool SameSign(long a, long b) => (a < 0) == (b < 0);

    /// <summary>TSROUND: rounds to microsecond precision (rint(x * 1e6) / 1e6).</summary>
    private static double TsRound(double x) => Math.Round(x * 1000000.0, MidpointRounding.ToEven) / 1000000.0;

    private static bool FitsInt32(double x) => x >= int.MinValue && x < -(double)int.MinValue;

    private static bool FitsInt64(double x) => x >= long.MinValue && x < -(double)long.MinValue;

    /// <summary>
    /// interval_mul: months and days scale and truncate; their fractions cascade down to days and
    /// seconds (a month is 30 days), rounded to microseconds, then the time part is rint'ed.
    /// Every step that can leave its field's range raises "interval out of range" (PostgreSQL
    /// 15.20's checks, the cascade's day additions included).
    /// </summary>
    public static PgInterval IntervalMul(PgInterval span, double factor) =>
        Scaled(span.Months * factor, span.Days * factor, span.Micros * factor);

    public static PgInterval MulDInterval(double factor, PgInterval span) => IntervalMul(span, factor);

    /// <summary>interval_div: as interval_mul with a division, and "division by zero" for a zero divisor.</summary>
    public static PgInterval IntervalDiv(PgInterval span, double factor)
    {
        if (factor == 0.0) PgErrors.DivideByZero();
        return Scaled(span.Months / factor, span.Days / factor, span.Micros / factor);
    }

    /// <summary>
    /// The shared body of interval_mul and interval_div, given each field already scaled (exactly as
    /// PostgreSQL computes them: `span->month * factor` etc.). A NaN field (NaN factor, or 0 × ∞)
    /// is out of range like an overflowing one.
    /// </summary>
    private static PgInterval Scaled(double monthsExact, double daysExact, double microsExact)
    {
        if (double.IsNaN(monthsExact) || !FitsInt32(monthsExact)) IntervalOutOfRange();
        int months = (int)monthsExact;
        if (double.IsNaN(daysExact) || !FitsInt32(daysExact)) IntervalOutOfRange();
        int days = (int)daysExact;
        double monthRemainderDays = TsRound((monthsExact - months) * 30.0);
        double secRemainder = TsRound((daysExact - days + monthRemainderDays - (int)monthRemainderDays) * 86400.0);
        if (Math.Abs(secRemainder) >= 86400.0)
        {
            days = AddDays(days, (int)(secRemainder / 86400.0));
            secRemainder -= (int)(secRemainder / 86400.0) * 86400.0;
        }
        days = AddDays(days, (int)monthRemainderDays);
        double time = Math.Round(microsExact + (secRemainder * 1000000.0), MidpointRounding.ToEven);
        if (double.IsNaN(time) || !FitsInt64(time)) IntervalOutOfRange();
        return new PgInterval((long)time, days, months);
    }

    /// <summary>pg_add_s32_overflow on the day field: a cascaded fraction may carry it past int32.</summary>
    private static int AddDays(int days, int carry)
    {
        int sum = unchecked(days + carry);
        if (((days ^ sum) & (carry ^ sum)) < 0) IntervalOutOfRange();
        return sum;
    }

    /// <summary>interval_cmp_value: months as 30 days, days as 24 hours, in 128 bits.</summary>
    public static Int128 CmpValue(PgInterval i) => ((Int128)i.Months * 30 + i.Days) * Calendar.UsecsPerDay + i.Micros;

    public static bool IntervalEq(PgInterval a, PgInterval b) => CmpValue(a) == CmpValue(b);

    public static bool IntervalNe(PgInterval a, PgInterval b) => CmpValue(a) != CmpValue(b);

    public static bool IntervalLt(PgInterval a, PgInterval b) => CmpValue(a) < CmpValue(b);

    public static bool IntervalLe(PgInterval a, PgInterval b) => CmpValue(a) <= CmpValue(b);

    public static bool IntervalGt(PgInterval a, PgInterval b) => CmpValue(a) > CmpValue(b);

    public static bool IntervalGe(PgInterval a, PgInterval b) => CmpValue(a) >= CmpValue(b);
}
