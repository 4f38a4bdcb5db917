using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Values;
using PgFusion.Planner.Json;
using PgFusion.Types;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// date_out, timestamp_out and time_out (date.c, timestamp.c, datetime.c's EncodeDateOnly,
/// EncodeDateTime and EncodeTimeOnly): the text PostgreSQL prints for these types under each
/// DateStyle. The style comes as a constant argument the planner adds (<see cref="DateStyleCodes"/>).
/// Years print with at least four digits; years before 1 AD print as the BC year with " BC" after.
/// </summary>
public static class DateTimeOutput
{
    private static readonly string[] Days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    public static TextRef DateOut(KernelContext ctx, int date, int style)
    {
        if (date == PgEpoch.DateNegativeInfinity) return TextOutput.Write(ctx, "-infinity");
        if (date == PgEpoch.DatePositiveInfinity) return TextOutput.Write(ctx, "infinity");
        var (y, m, d) = Calendar.J2Date(date + Calendar.PostgresEpochJDate);
        Span<char> buffer = stackalloc char[32];
        var text = new CharWriter(buffer);
        text.NumericDate(style, y, m, d);
        text.Era(y);
        return TextOutput.Write(ctx, text.Written);
    }

    public static TextRef TimestampOut(KernelContext ctx, long ts, int style)
    {
        if (ts == PgEpoch.TimestampNegativeInfinity) return TextOutput.Write(ctx, "-infinity");
        if (ts == PgEpoch.TimestampPositiveInfinity) return TextOutput.Write(ctx, "infinity");
        return DateTime(ctx, Calendar.ToTm(ts), style, null, 0);
    }

    /// <summary>
    /// timestamptz_out: the local time in the session zone (the planner's third argument), then
    /// the zone as EncodeDateTime prints it: ISO its offset ("+05:45", "-04:56:02"), the other
    /// styles its abbreviation ("EST", "+0545", "LMT", at most MAXTZLEN = 10 characters).
    /// </summary>
    public static TextRef TimestamptzOut(KernelContext ctx, long ts, int style, int zone)
    {
        if (ts == PgEpoch.TimestampNegativeInfinity) return TextOutput.Write(ctx, "-infinity");
        if (ts == PgEpoch.TimestampPositiveInfinity) return TextOutput.Write(ctx, "infinity");
        var (tm, tz, abbreviation) = TimestampTzFunctions.ToLocal(ts, zone);
        return DateTime(ctx, tm, style, abbreviation, tz);
    }

    /// <summary>EncodeDateTime; <paramref name="zone"/> null for a timestamp without time zone.</summary>
    private static TextRef DateTime(KernelContext ctx, Calendar.Tm tm, int style, string? zone, int tz)
    {
        Span<char> buffer = stackalloc char[80];
        var text = new CharWriter(buffer);
        if (style is not (DateStyleCodes.Iso or DateStyleCodes.SqlDmy or DateStyleCodes.SqlMdy or DateStyleCodes.German))
        {
            // "Wed Dec 17 07:37:16 1997", or "Wed 17 Dec ..." with DMY
            text.Text(Days[Calendar.J2Day(Calendar.Date2J(tm.Year, tm.Month, tm.Day))]); text.Char(' ');
            if (style == DateStyleCodes.PostgresDmy) { text.Two(tm.Day); text.Char(' '); text.Text(Months[tm.Month - 1]); }
            else { text.Text(Months[tm.Month - 1]); text.Char(' '); text.Two(tm.Day); }
            text.Char(' ');
            text.Time(tm.Hour, tm.Minute, tm.Second, tm.Fsec);
            text.Char(' '); text.Year(tm.Year);
            text.Abbreviation(zone);
        }
        else
        {
            text.NumericDate(style, tm.Year, tm.Month, tm.Day);
            text.Char(' ');
            text.Time(tm.Hour, tm.Minute, tm.Second, tm.Fsec);
            if (zone is not null && style == DateStyleCodes.Iso) text.Offset(tz);
            else text.Abbreviation(zone);
        }
        text.Era(tm.Year);
        return TextOutput.Write(ctx, text.Written);
    }

    /// <summary>time_out: "HH:MM:SS" and the fraction without trailing zeros; 24:00:00 is a valid time.</summary>
    public static TextRef TimeOut(KernelContext ctx, long time)
    {
        var (hour, minute, second, fsec) = Calendar.SplitTime(time);
        Span<char> buffer = stackalloc char[32];
        var text = new CharWriter(buffer);
        text.Time(hour, minute, second, fsec);
        return TextOutput.Write(ctx, text.Written);
    }

    /// <summary>Appends to a stack buffer the way datetime.c's encoders build their strings.</summary>
    private ref struct CharWriter(Span<char> buffer)
    {
        private readonly Span<char> _buffer = buffer;
        private int _length;

        public readonly ReadOnlySpan<char> Written => _buffer[.._length];

        public void Char(char c) => _buffer[_length++] = c;

        public void Text(string s)
        {
            s.AsSpan().CopyTo(_buffer[_length..]);
            _length += s.Length;
        }

        /// <summary>A non-negative number with at least <paramref name="width"/> digits (zeros in front).</summary>
        public void Padded(long value, int width)
        {
            Span<char> digits = stackalloc char[20];
            int n = 0;
            do
            {
                digits[n++] = (char)('0' + (value % 10));
                value /= 10;
            }
            while (value > 0);
            for (int i = n; i < width; i++) Char('0');
            while (n > 0) Char(digits[--n]);
        }

        public void Two(int value) => Padded(value, 2);

        /// <summary>The year as printed: astronomical year 0 is 1 BC, -1 is 2 BC (the era follows, <see cref="Era"/>).</summary>
        public void Year(int year) => Padded(year > 0 ? year : -(year - 1L), 4);

        /// <summary>
        /// A date in digits as EncodeDateOnly writes it: ISO year-month-day, SQL month/day/year (or
        /// day/month/year with DMY), German day.month.year, Postgres month-day-year (or day-month-year).
        /// </summary>
        public void NumericDate(int style, int year, int month, int day)
        {
            if (style == DateStyleCodes.Iso)
            {
                Year(year); Char('-'); Two(month); Char('-'); Two(day);
                return;
            }
            char separator = style switch
            {
                DateStyleCodes.SqlDmy or DateStyleCodes.SqlMdy => '/',
                DateStyleCodes.German => '.',
                _ => '-',
            };
            bool dayFirst = style is DateStyleCodes.SqlDmy or DateStyleCodes.German or DateStyleCodes.PostgresDmy;
            Two(dayFirst ? day : month); Char(separator); Two(dayFirst ? month : day); Char(separator); Year(year);
        }

        /// <summary>" " and the zone abbreviation, cut at MAXTZLEN (10) as "%.*s" cuts it; nothing without a zone.</summary>
        public void Abbreviation(string? zone)
        {
            if (zone is null) return;
            Char(' ');
            Text(zone.Length > 10 ? zone[..10] : zone);
        }

        /// <summary>EncodeTimezone: tz is seconds WEST of UTC; "+HH", "+HH:MM" or "+HH:MM:SS" as far as needed.</summary>
        public void Offset(int tz)
        {
            int seconds = Math.Abs(tz);
            int minutes = seconds / 60;
            seconds -= minutes * 60;
            int hours = minutes / 60;
            minutes -= hours * 60;
            Char(tz <= 0 ? '+' : '-');
            Two(hours);
            if (seconds != 0)
            {
                Char(':'); Two(minutes); Char(':'); Two(seconds);
            }
            else if (minutes != 0)
            {
                Char(':'); Two(minutes);
            }
        }

        public void Era(int year)
        {
            if (year <= 0) Text(" BC");
        }

        /// <summary>"HH:MM:SS" then, when there is a fraction, '.' and its six digits without trailing zeros.</summary>
        public void Time(int hour, int minute, int second, int fsec)
        {
            Two(hour); Char(':'); Two(minute); Char(':'); Two(second);
            if (fsec == 0) return;
            Char('.');
            int digits = 6;
            while (fsec % 10 == 0)
            {
                fsec /= 10;
                digits--;
            }
            Padded(fsec, digits);
        }
    }
}
