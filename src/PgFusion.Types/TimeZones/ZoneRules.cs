namespace PgFusion.Types.TimeZones;

/// <summary>One local time type of a zone: its UTC offset in seconds (east positive), whether it is DST, its abbreviation.</summary>
public readonly record struct ZoneType(int UtOffset, bool IsDst, string Abbreviation);

/// <summary>
/// A time zone as PostgreSQL's src/timezone/localtime.c holds it (struct state): the transition
/// times (seconds from 1970 UTC) with the type each starts, the types, and whether times past either
/// end repeat the table every 400 years (goback / goahead). Built by <see cref="TzifReader"/> from
/// a TZif file (RFC 8536) with its POSIX TZ footer's transitions appended, or by
/// <see cref="PosixTz"/> from a POSIX TZ string. The lookups follow localsub (time -> local type)
/// and pg_next_dst_boundary / DetermineTimeZoneOffsetInternal (local time -> offset), so that
/// ambiguous and skipped local times resolve as PostgreSQL resolves them.
/// </summary>
public sealed class ZoneRules
{
    /// <summary>tzfile.h TZ_MAX_TIMES in PostgreSQL: the table holds at most this many transitions.</summary>
    public const int MaxTimes = 2000;
    public const int YearsPerRepeat = 400;
    /// <summary>SECSPERREPEAT: 400 Gregorian years, 146,097 days.</summary>
    public const long SecondsPerRepeat = 146_097L * 86_400;
    private const long AverageSecondsPerYear = 31_556_952; // AVGSECSPERYEAR

    public ZoneRules(string name, long[] ats, byte[] types, ZoneType[] ttis, bool goBack, bool goAhead, int defaultType)
    {
        Name = name;
        Ats = ats;
        Types = types;
        Ttis = ttis;
        GoBack = goBack;
        GoAhead = goAhead;
        DefaultType = defaultType;
    }

    /// <summary>The zone's name as SHOW TimeZone prints it.</summary>
    public string Name { get; }

    internal long[] Ats { get; }

    internal byte[] Types { get; }

    internal ZoneType[] Ttis { get; }

    internal bool GoBack { get; }

    internal bool GoAhead { get; }

    internal int DefaultType { get; }

    private int TimeCount => Ats.Length;

    /// <summary>localsub: the local time type at <paramref name="t"/> (seconds from 1970 UTC).</summary>
    public ZoneType TypeAt(long t)
    {
        int n = TimeCount;
        if ((GoBack && t < Ats[0]) || (GoAhead && t > Ats[n - 1]))
        {
            // Outside the table: the same instant 400-year cycles inside it has the same type.
            long seconds = t < Ats[0] ? Ats[0] - t : t - Ats[n - 1];
            seconds--;
            long years = ((seconds / SecondsPerRepeat) + 1) * YearsPerRepeat;
            long shift = years * AverageSecondsPerYear;
            long shifted = t < Ats[0] ? t + shift : t - shift;
            return TypeAt(shifted);
        }
        if (n == 0 || t < Ats[0]) return Ttis[DefaultType];
        int lo = 1, hi = n;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (t < Ats[mid]) hi = mid;
            else lo = mid + 1;
        }
        return Ttis[Types[lo - 1]];
    }

    /// <summary>The lowest-numbered standard-time type, else type 0 (pg_next_dst_boundary's choice for early times).</summary>
    private ZoneType FirstStandardType()
    {
        for (int i = 0; i < Ttis.Length; i++)
            if (!Ttis[i].IsDst) return Ttis[i];
        return Ttis[0];
    }

    /// <summary>
    /// pg_next_dst_boundary: 0 when no transition follows <paramref name="t"/> (only
    /// <paramref name="before"/> is set), 1 with the first transition after it, -1 when the
    /// extrapolation fails.
    /// </summary>
    public int NextBoundary(long t, out ZoneType before, out long boundary, out ZoneType after)
    {
        int n = TimeCount;
        boundary = 0;
        after = default;
        if (n == 0)
        {
            before = FirstStandardType();
            return 0;
        }
        if ((GoBack && t < Ats[0]) || (GoAhead && t > Ats[n - 1]))
        {
            long seconds = t < Ats[0] ? Ats[0] - t : t - Ats[n - 1];
            seconds--;
            long cycles = (seconds / YearsPerRepeat / AverageSecondsPerYear) + 1;
            long shift = cycles * YearsPerRepeat * AverageSecondsPerYear;
            long shifted = t < Ats[0] ? t + shift : t - shift;
            if (shifted < Ats[0] || shifted > Ats[n - 1])
            {
                before = default;
                return -1;
            }
            int result = NextBoundary(shifted, out before, out boundary, out after);
            boundary = t < Ats[0] ? boundary - shift : boundary + shift;
            return result;
        }
        if (t >= Ats[n - 1])
        {
            before = Ttis[Types[n - 1]];
            return 0;
        }
        if (t < Ats[0])
        {
            before = FirstStandardType();
            boundary = Ats[0];
            after = Ttis[Types[0]];
            return 1;
        }
        int lo = 1, hi = n - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (t < Ats[mid]) hi = mid;
            else lo = mid + 1;
        }
        before = Ttis[Types[lo - 1]];
        boundary = Ats[lo];
        after = Ttis[Types[lo]];
        return 1;
    }

    /// <summary>
    /// DetermineTimeZoneOffsetInternal: the offset (seconds WEST of UTC, PostgreSQL's tz sign) of
    /// the local time <paramref name="localSeconds"/> (seconds from 1970-01-01 00:00 local).
    /// A skipped local time (spring forward) takes the offset before the transition, an ambiguous
    /// one (fall back) the offset after it; out of range it is UTC (0).
    /// </summary>
    public int OffsetOfLocal(long localSeconds, long day)
    {
        // The caller passes day (days from 1970 times 86400) to reproduce PostgreSQL's overflow tests.
        long mytime = localSeconds;
        if (mytime < 0 && day > 0) return 0;
        long prevtime = mytime - 86_400;
        if (mytime < 0 && prevtime > 0) return 0;
        int res = NextBoundary(prevtime, out var before, out long boundary, out var after);
        if (res < 0) return 0;
        if (res == 0) return -before.UtOffset;
        long beforeTime = mytime - before.UtOffset;
        if ((before.UtOffset > 0 && mytime < 0 && beforeTime > 0) || (before.UtOffset <= 0 && mytime > 0 && beforeTime < 0)) return 0;
        long afterTime = mytime - after.UtOffset;
        if ((after.UtOffset > 0 && mytime < 0 && afterTime > 0) || (after.UtOffset <= 0 && mytime > 0 && afterTime < 0)) return 0;
        if (beforeTime < boundary && afterTime < boundary) return -before.UtOffset;
        if (beforeTime > boundary && afterTime >= boundary) return -after.UtOffset;
        return beforeTime > afterTime ? -before.UtOffset : -after.UtOffset;
    }

    /// <summary>typesequiv: two types with the same offset, DST flag and abbreviation.</summary>
    internal static bool Equivalent(ZoneType a, ZoneType b) => a == b;

    /// <summary>
    /// tzloadbody's closing step: goback / goahead are set when the first (last) transition's type
    /// recurs exactly 400 years later (earlier), so the table repeats past its ends.
    /// </summary>
    internal static (bool GoBack, bool GoAhead) RepeatFlags(long[] ats, byte[] types, ZoneType[] ttis)
    {
        bool goBack = false, goAhead = false;
        int n = ats.Length;
        if (n > 1)
        {
            for (int i = 1; i < n; i++)
                if (Equivalent(ttis[types[i]], ttis[types[0]]) && ats[i] - ats[0] == SecondsPerRepeat)
                {
                    goBack = true;
                    break;
                }
            for (int i = n - 2; i >= 0; i--)
                if (Equivalent(ttis[types[n - 1]], ttis[types[i]]) && ats[n - 1] - ats[i] == SecondsPerRepeat)
                {
                    goAhead = true;
                    break;
                }
        }
        return (goBack, goAhead);
    }
}
