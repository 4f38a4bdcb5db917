using System.Numerics;
using PgFusion.Codegen.Functions;
using PgFusion.Codegen.Values;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>Component tests of the calendar arithmetic and the numeric square root and rounding.</summary>
public sealed class CalendarAndNumericTests
{
    [Fact]
    public void Julian_days_round_trip_and_agree_with_the_proleptic_gregorian_calendar()
    {
        var epoch = new DateOnly(2000, 1, 1);
        // DateOnly covers years 1 to 9999.
        for (int days = -730_000; days <= 2_900_000; days += 97)
        {
            var expected = epoch.AddDays(days);
            var (y, m, d) = Calendar.J2Date(Calendar.PostgresEpochJDate + days);
            Assert.Equal((expected.Year, expected.Month, expected.Day), (y, m, d));
            Assert.Equal(Calendar.PostgresEpochJDate + days, Calendar.Date2J(y, m, d));
            Assert.Equal((int)expected.DayOfWeek, Calendar.J2Day(Calendar.PostgresEpochJDate + days));
            Assert.Equal(System.Globalization.ISOWeek.GetWeekOfYear(expected.ToDateTime(TimeOnly.MinValue)), Calendar.IsoWeek(y, m, d));
            Assert.Equal(System.Globalization.ISOWeek.GetYear(expected.ToDateTime(TimeOnly.MinValue)), Calendar.IsoYear(y, m, d));
        }
    }

    [Fact]
    public void Timestamp_fields_round_trip()
    {
        var rng = new Random(1234);
        for (int i = 0; i < 10_000; i++)
        {
            long ts = rng.NextInt64(Calendar.MinTimestamp, Calendar.EndTimestamp);
            Assert.Equal(ts, Calendar.FromTm(Calendar.ToTm(ts)));
        }
    }

    [Theory]
    [InlineData("2", 10, "1.4142135624")]
    [InlineData("0.0001", 4, "0.0100")]
    [InlineData("99.99", 2, "10.00")]
    [InlineData("0", 3, "0.000")]
    [InlineData("1000000", 0, "1000")]
    [InlineData("2.25", 1, "1.5")]
    public void Sqrt_rounds_half_away_from_zero_at_the_requested_scale(string value, int rscale, string expected)
    {
        Assert.Equal(expected, NumericMath.Sqrt(Parse(value), rscale).ToString());
    }

    [Theory]
    [InlineData("-49.899", 2, "-49.90")]
    [InlineData("-49.895", 2, "-49.90")]
    [InlineData("12345.5", -3, "12000")]
    [InlineData("15", -1, "20")]
    [InlineData("-15", -1, "-20")]
    [InlineData("1.5", 3, "1.500")]
    [InlineData("999.5", 0, "1000")]
    [InlineData("5", -100000, "0")]
    public void RoundAt_matches_numeric_round(string value, int scale, string expected)
    {
        Assert.Equal(expected, NumericMath.RoundAt(Parse(value), scale).ToString());
    }

    [Theory]
    [InlineData("-49.899", 2, "-49.89")]
    [InlineData("12345.5", -3, "12000")]
    [InlineData("-1.99", 0, "-1")]
    public void TruncAt_matches_numeric_trunc(string value, int scale, string expected)
    {
        Assert.Equal(expected, NumericMath.TruncAt(Parse(value), scale).ToString());
    }

    [Theory]
    [InlineData("-1.5", "-1", "-2")]
    [InlineData("1.5", "2", "1")]
    [InlineData("3.000", "3", "3")]
    public void Ceil_and_floor(string value, string ceil, string floor)
    {
        Assert.Equal(ceil, NumericMath.Ceil(Parse(value)).ToString());
        Assert.Equal(floor, NumericMath.Floor(Parse(value)).ToString());
    }

    private static PgNumeric Parse(string s)
    {
        int dot = s.IndexOf('.', StringComparison.Ordinal);
        int scale = dot < 0 ? 0 : s.Length - dot - 1;
        return NumericMath.FromBig(BigInteger.Parse(s.Replace(".", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture), scale);
    }
}
