using PgFusion.Types.TimeZones;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// The zone model read from the system TZif files and POSIX strings: offsets and abbreviations
/// of known instants (LMT with seconds, DST in both hemispheres, 30-minute DST, +05:45, the
/// footer's rule centuries ahead), PostgreSQL's POSIX sign, and how skipped and repeated local
/// times resolve (before the change for a gap, after it for an overlap). The SQL corpus
/// (tests/sql/kernels/timestamptz.slt) and TimeZoneDifferentialTests compare with PostgreSQL itself.
/// </summary>
public sealed class TimeZoneRulesTests
{
    private static ZoneRules Zone(string name) =>
        TimeZoneRegistry.Get(TimeZoneRegistry.Resolve(name, out string? reason) ?? throw new InvalidOperationException(reason));

    private static long Unix(int y, int m, int d, int h = 0, int mi = 0, int s = 0) =>
        new DateTimeOffset(y, m, d, h, mi, s, TimeSpan.Zero).ToUnixTimeSeconds();

    [Theory]
    [InlineData("America/New_York", 2021, 3, 14, 6, 59, -18000, false, "EST")]
    [InlineData("America/New_York", 2021, 3, 14, 7, 0, -14400, true, "EDT")]
    [InlineData("America/New_York", 1800, 1, 1, 0, 0, -17762, false, "LMT")]
    [InlineData("America/New_York", 2300, 7, 1, 12, 0, -14400, true, "EDT")]
    [InlineData("America/New_York", 2300, 12, 1, 12, 0, -18000, false, "EST")]
    [InlineData("Europe/Berlin", 2021, 3, 28, 1, 0, 7200, true, "CEST")]
    [InlineData("Europe/Berlin", 2021, 3, 28, 0, 59, 3600, false, "CET")]
    [InlineData("Europe/Berlin", 1850, 6, 1, 0, 0, 3208, false, "LMT")]
    [InlineData("Australia/Lord_Howe", 2021, 7, 1, 0, 0, 37800, false, "+1030")]
    [InlineData("Australia/Lord_Howe", 2021, 12, 1, 0, 0, 39600, true, "+11")]
    [InlineData("Australia/Lord_Howe", 2250, 1, 15, 0, 0, 39600, true, "+11")]
    [InlineData("Asia/Kathmandu", 2021, 6, 1, 0, 0, 20700, false, "+0545")]
    [InlineData("Asia/Kathmandu", 2400, 6, 1, 0, 0, 20700, false, "+0545")]
    [InlineData("UTC", 2021, 6, 1, 0, 0, 0, false, "UTC")]
    [InlineData("UTC+3", 2021, 6, 1, 0, 0, -10800, false, "UTC")]
    [InlineData("<+03>-03", 2021, 6, 1, 0, 0, 10800, false, "+03")]
    [InlineData("+03:00", 2021, 6, 1, 0, 0, -10800, false, "")]
    [InlineData("XYZ5ABC", 2021, 7, 1, 0, 0, -14400, true, "ABC")]
    public void Instants_have_the_zones_offset_and_abbreviation(string zone, int y, int m, int d, int h, int mi, int offset, bool dst, string abbreviation)
    {
        var type = Zone(zone).TypeAt(Unix(y, m, d, h, mi));
        Assert.Equal(new ZoneType(offset, dst, abbreviation), type);
    }

    [Theory]
    [InlineData("America/New_York", 2021, 3, 14, 2, 30, 18000)] // skipped: the offset before the change
    [InlineData("America/New_York", 2021, 11, 7, 1, 30, 18000)] // repeated: the offset after the change
    [InlineData("America/New_York", 2021, 7, 1, 12, 0, 14400)]
    [InlineData("America/New_York", 2299, 7, 1, 12, 0, 14400)]
    [InlineData("Europe/Berlin", 2021, 3, 28, 2, 30, -3600)]
    [InlineData("Europe/Berlin", 2021, 10, 31, 2, 30, -3600)]
    [InlineData("Australia/Lord_Howe", 2021, 10, 3, 2, 15, -37800)]
    [InlineData("Australia/Lord_Howe", 2021, 4, 4, 1, 45, -37800)]
    public void Local_times_resolve_as_DetermineTimeZoneOffset(string zone, int y, int m, int d, int h, int mi, int tz)
    {
        long day = Unix(y, m, d);
        Assert.Equal(tz, Zone(zone).OffsetOfLocal(Unix(y, m, d, h, mi), day));
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("../../etc/passwd")]
    [InlineData(":America/New_York")]
    [InlineData("EST5EDT,M3")]
    public void Names_that_are_neither_a_zone_file_nor_a_POSIX_string_are_refused(string name)
    {
        Assert.Null(TimeZoneRegistry.Resolve(name, out string? reason));
        Assert.False(string.IsNullOrEmpty(reason));
    }
}
