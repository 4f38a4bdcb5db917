using PgFusion.Planner.Json;
using PgFusion.Planner.Tests.Fixtures;
using Xunit;

namespace PgFusion.Planner.Tests.Json;

/// <summary>
/// The envelope's output settings ($.settings: DateStyle, IntervalStyle, bytea_output,
/// extra_float_digits): read when sent, typed errors naming the path when malformed, and the
/// DateStyle codes date_out / timestamp_out take.
/// </summary>
public sealed class OutputSettingsTests
{
    private static byte[] WithSettings(string settings) => Fixture.JsonWithSettings("join_three_way_reordered", settings);

    [Fact]
    public void Settings_the_hook_sends_are_read_and_plan_as_before()
    {
        var plain = QueryPlanner.Plan(Fixture.Json("join_three_way_reordered"));
        var sent = QueryPlanner.Plan(WithSettings("""{"join_pair_budget": 100000, "DateStyle": "SQL, DMY", "IntervalStyle": "postgres", "bytea_output": "hex", "extra_float_digits": 1, "TimeZone": "America/New_York"}"""));
        Assert.True(sent.IsSupported, sent.UnsupportedReason);
        Assert.Equal(plain.Plan!.Explain, sent.Plan!.Explain);
    }

    [Theory]
    [InlineData("""{"extra_float_digits": 4}""", "$.settings.extra_float_digits")]
    [InlineData("""{"extra_float_digits": -16}""", "$.settings.extra_float_digits")]
    [InlineData("""{"extra_float_digits": "one"}""", "$.settings.extra_float_digits")]
    [InlineData("""{"DateStyle": 1}""", "$.settings.DateStyle")]
    [InlineData("""{"TimeZone": 3}""", "$.settings.TimeZone")]
    public void A_malformed_setting_is_a_typed_error_naming_its_path(string settings, string path)
    {
        var e = Assert.Throws<QueryJsonException>(() => QueryPlanner.Plan(WithSettings(settings)));
        Assert.Equal(path, e.JsonPath);
    }

    [Theory]
    [InlineData("ISO, MDY", DateStyleCodes.Iso)]
    [InlineData("ISO, DMY", DateStyleCodes.Iso)]
    [InlineData("SQL, DMY", DateStyleCodes.SqlDmy)]
    [InlineData("SQL, MDY", DateStyleCodes.SqlMdy)]
    [InlineData("SQL, YMD", DateStyleCodes.SqlMdy)]
    [InlineData("German, DMY", DateStyleCodes.German)]
    [InlineData("German, MDY", DateStyleCodes.German)]
    [InlineData("Postgres, DMY", DateStyleCodes.PostgresDmy)]
    [InlineData("Postgres, YMD", DateStyleCodes.PostgresMdy)]
    public void DateStyle_maps_to_the_code_the_output_functions_take(string dateStyle, int code) =>
        Assert.Equal(code, new OutputSettings(dateStyle, null, null, null).DateStyleCode);

    [Theory]
    [InlineData(null)]
    [InlineData("ISO")]
    [InlineData("XSD, MDY")]
    [InlineData("ISO, XYZ")]
    public void An_unknown_or_missing_DateStyle_has_no_code(string? dateStyle) =>
        Assert.Null(new OutputSettings(dateStyle, null, null, null).DateStyleCode);

    [Theory]
    [InlineData("postgres", IntervalStyleCodes.Postgres)]
    [InlineData("postgres_verbose", IntervalStyleCodes.PostgresVerbose)]
    [InlineData("sql_standard", IntervalStyleCodes.SqlStandard)]
    [InlineData("iso_8601", IntervalStyleCodes.Iso8601)]
    [InlineData("ISO_8601", null)]
    [InlineData(null, null)]
    public void IntervalStyle_maps_to_the_code_interval_out_takes(string? style, int? code) =>
        Assert.Equal(code, new OutputSettings(null, style, null, null).IntervalStyleCode);
}
