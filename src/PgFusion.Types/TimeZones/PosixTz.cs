namespace PgFusion.Types.TimeZones;

/// <summary>
/// A POSIX TZ string ("EST5EDT,M3.2.0,M11.1.0", "&lt;+0545&gt;-5:45", "UTC+3") as localtime.c's
/// tzparse reads it: the standard abbreviation and offset (POSIX sign: hours WEST of UTC are
/// positive, so "UTC+3" is three hours behind UTC), then optionally a DST abbreviation, offset
/// (default one hour ahead of standard) and the two rules. The DST transitions are generated as
/// tzparse generates them: two per year from 1770 on, extended 400 years past the last year
/// that has any, at most <see cref="ZoneRules.MaxTimes"/>.
/// A DST part without rules gets the US rules, as PostgreSQL 15's tzparse gives it.
/// </summary>
public static class PosixTz
{
    private const int SecondsPerDay = 86_400;
    private const int EpochYear = 1970;
    private const string DefaultRules = ",M3.2.0,M11.1.0";

    private enum RuleKind { JulianDay, DayOfYear, MonthWeekDay }

    private readonly record struct Rule(RuleKind Kind, int Day, int Week, int Month, int Time);

    /// <summary>What tzparse makes of <paramref name="spec"/>: the types and generated transitions, or null when it is not one we read.</summary>
    public static (ZoneType[] Types, long[] Ats, byte[] TypeOfAt, bool Repeats)? Parse(string spec)
    {
        var p = new Cursor(spec);
        if (!p.Name(out string std)) return null;
        if (p.AtEnd) return null; // tzparse requires the standard offset
        if (!p.Offset(out int stdOffset)) return null;
        if (p.AtEnd)
            return ([new ZoneType(-stdOffset, false, std)], [], [], false);
        if (!p.Name(out string dst) || dst.Length == 0) return null;
        int dstOffset = stdOffset - 3600;
        if (!p.AtEnd && p.Peek is not (',' or ';') && !p.Offset(out dstOffset)) return null;
        // Without rules PostgreSQL 15 takes the US rules (TZDEFRULESTRING; it never reads posixrules).
        if (p.AtEnd) p = new Cursor(DefaultRules);
        else if (p.Peek is not (',' or ';')) return null;
        p.Skip();
        if (!p.Rule(out var start) || p.AtEnd || p.Peek != ',') return null;
        p.Skip();
        if (!p.Rule(out var end) || !p.AtEnd) return null;

        ZoneType[] types = [new ZoneType(-stdOffset, false, std), new ZoneType(-dstOffset, true, dst)];
        var ats = new List<long>();
        var typeOfAt = new List<byte>();
        int yearBegin = EpochYear - (ZoneRules.YearsPerRepeat / 2);
        long janFirst = (DaysFromCivil(yearBegin, 1, 1) - DaysFromCivil(EpochYear, 1, 1)) * (long)SecondsPerDay;
        int yearLimit = yearBegin + ZoneRules.YearsPerRepeat + 1;
        int year;
        for (year = yearBegin; year < yearLimit; year++)
        {
            long startTime = TransitionTime(year, start, stdOffset);
            long endTime = TransitionTime(year, end, dstOffset);
            long yearSeconds = (IsLeap(year) ? 366 : 365) * (long)SecondsPerDay;
            bool reversed = endTime < startTime;
            if (reversed) (startTime, endTime) = (endTime, startTime);
            if (reversed || (startTime < endTime && endTime - startTime < yearSeconds + (stdOffset - dstOffset)))
            {
                if (ZoneRules.MaxTimes - 2 < ats.Count) break;
                ats.Add(janFirst + startTime); typeOfAt.Add((byte)(reversed ? 0 : 1));
                ats.Add(janFirst + endTime); typeOfAt.Add((byte)(reversed ? 1 : 0));
                yearLimit = year + ZoneRules.YearsPerRepeat + 1;
            }
            janFirst += yearSeconds;
        }
        if (ats.Count == 0)
            return ([types[1]], [], [], false); // perpetual DST
        return (types, ats.ToArray(), typeOfAt.ToArray(), ZoneRules.YearsPerRepeat < year - yearBegin);
    }

    /// <summary>A zone made of the POSIX string alone (SET TIME ZONE 'UTC+3', or '&lt;+03&gt;-03' from a numeric offset).</summary>
    public static ZoneRules? Rules(string name, string spec)
    {
        if (Parse(spec) is not var (types, ats, typeOfAt, repeats)) return null;
        return new ZoneRules(name, ats, typeOfAt, types, repeats, repeats, 0);
    }

    /// <summary>transtime: seconds from January 1st 00:00 UTC of <paramref name="year"/> to the rule's moment, at <paramref name="offset"/> (west positive).</summary>
    private static long TransitionTime(int year, Rule rule, int offset)
    {
        bool leap = IsLeap(year);
        long value;
        switch (rule.Kind)
        {
            case RuleKind.JulianDay:
                value = (rule.Day - 1) * (long)SecondsPerDay;
                if (leap && rule.Day >= 60) value += SecondsPerDay;
                break;
            case RuleKind.DayOfYear:
                value = rule.Day * (long)SecondsPerDay;
                break;
            default:
            {
                long first = DaysFromCivil(year, rule.Month, 1);
                int dow = (int)(((first % 7) + 7 + 4) % 7); // 1970-01-01 was a Thursday (4)
                int d = rule.Day - dow;
                if (d < 0) d += 7;
                int monthLength = MonthLength(year, rule.Month);
                for (int i = 1; i < rule.Week; i++)
                {
                    if (d + 7 >= monthLength) break;
                    d += 7;
                }
                value = (first - DaysFromCivil(year, 1, 1) + d) * (long)SecondsPerDay;
                break;
            }
        }
        return value + rule.Time + offset;
    }

    internal static bool IsLeap(long y) => y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);

    private static int MonthLength(int year, int month) => month switch
    {
        2 => IsLeap(year) ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };

    /// <summary>Days from 1970-01-01 of a proleptic Gregorian date.</summary>
    internal static long DaysFromCivil(long y, int m, int d)
    {
        y -= m <= 2 ? 1 : 0;
        long era = (y >= 0 ? y : y - 399) / 400;
        long yoe = y - (era * 400);
        long doy = ((153 * (m + (m > 2 ? -3 : 9))) + 2) / 5 + d - 1;
        long doe = (yoe * 365) + (yoe / 4) - (yoe / 100) + doy;
        return (era * 146097) + doe - 719468;
    }

    /// <summary>Reads the parts of a TZ string as getzname / getqzname / getoffset / getrule do.</summary>
    private ref struct Cursor(string text)
    {
        private readonly string _text = text;
        private int _at;

        public readonly bool AtEnd => _at >= _text.Length;

        public readonly char Peek => _text[_at];

        public void Skip() => _at++;

        /// <summary>An abbreviation: letters (getzname), or anything but '>' between '&lt;' and '>'. PostgreSQL allows it empty.</summary>
        public bool Name(out string name)
        {
            int begin;
            if (!AtEnd && Peek == '<')
            {
                begin = ++_at;
                while (!AtEnd && Peek != '>') _at++;
                if (AtEnd) { name = ""; return false; }
                name = _text[begin.._at];
                _at++;
                return true;
            }
            begin = _at;
            while (!AtEnd && !char.IsAsciiDigit(Peek) && Peek is not (',' or '-' or '+')) _at++;
            name = _text[begin.._at];
            return true;
        }

        /// <summary>getnum: a decimal number in [min, max].</summary>
        private bool Number(int min, int max, out int value)
        {
            value = 0;
            if (AtEnd || !char.IsAsciiDigit(Peek)) return false;
            while (!AtEnd && char.IsAsciiDigit(Peek))
            {
                value = (value * 10) + (Peek - '0');
                if (value > max) return false;
                _at++;
            }
            return value >= min;
        }

        /// <summary>getsecs: hh[:mm[:ss]], hours up to 24 * 7 - 1.</summary>
        private bool Seconds(out int seconds)
        {
            seconds = 0;
            if (!Number(0, (24 * 7) - 1, out int hours)) return false;
            seconds = hours * 3600;
            if (!AtEnd && Peek == ':')
            {
                _at++;
                if (!Number(0, 59, out int minutes)) return false;
                seconds += minutes * 60;
                if (!AtEnd && Peek == ':')
                {
                    _at++;
                    if (!Number(0, 60, out int secs)) return false; // 60 allows a leap second
                    seconds += secs;
                }
            }
            return true;
        }

        /// <summary>getoffset: [+-]hh[:mm[:ss]].</summary>
        public bool Offset(out int offset)
        {
            bool negative = false;
            if (!AtEnd && Peek == '-') { negative = true; _at++; }
            else if (!AtEnd && Peek == '+') _at++;
            if (!Seconds(out offset)) return false;
            if (negative) offset = -offset;
            return true;
        }

        /// <summary>getrule: Jn, n or Mm.w.d, then optionally /time (default 02:00:00; -167..167 hours).</summary>
        public bool Rule(out Rule rule)
        {
            rule = default;
            RuleKind kind;
            int day, week = 0, month = 0;
            if (!AtEnd && Peek == 'J')
            {
                _at++;
                kind = RuleKind.JulianDay;
                if (!Number(1, 365, out day)) return false;
            }
            else if (!AtEnd && Peek == 'M')
            {
                _at++;
                kind = RuleKind.MonthWeekDay;
                if (!Number(1, 12, out month)) return false;
                if (AtEnd || Peek != '.') return false;
                _at++;
                if (!Number(1, 5, out week)) return false;
                if (AtEnd || Peek != '.') return false;
                _at++;
                if (!Number(0, 6, out day)) return false;
            }
            else if (!AtEnd && char.IsAsciiDigit(Peek))
            {
                kind = RuleKind.DayOfYear;
                if (!Number(0, 365, out day)) return false;
            }
            else
            {
                return false;
            }
            int time = 2 * 3600;
            if (!AtEnd && Peek == '/')
            {
                _at++;
                if (!Offset(out time)) return false;
            }
            rule = new Rule(kind, day, week, month, time);
            return true;
        }
    }
}
