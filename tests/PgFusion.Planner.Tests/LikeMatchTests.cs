using PgFusion.Planner.Physical;
using Xunit;

namespace PgFusion.Planner.Tests;

/// <summary>
/// The LIKE matcher the selectivity estimator applies to MCVs and histogram bounds (as
/// PostgreSQL's patternsel applies the operator itself): %, _, backslash escapes.
/// </summary>
public sealed class LikeMatchTests
{
    [Theory]
    [InlineData("forest green", "%green%", true)]
    [InlineData("green", "%green%", true)]
    [InlineData("gree", "%green%", false)]
    [InlineData("PROMO BRUSHED TIN", "PROMO%", true)]
    [InlineData("STANDARD PROMO", "PROMO%", false)]
    [InlineData("ECONOMY BRASS", "%BRASS", true)]
    [InlineData("BRASS ECONOMY", "%BRASS", false)]
    [InlineData("xx Customer yy Complaints zz", "%Customer%Complaints%", true)]
    [InlineData("xx Complaints yy Customer zz", "%Customer%Complaints%", false)]
    [InlineData("abc", "a_c", true)]
    [InlineData("ac", "a_c", false)]
    [InlineData("a%c", "a\\%c", true)]
    [InlineData("abc", "a\\%c", false)]
    [InlineData("", "%", true)]
    [InlineData("", "", true)]
    [InlineData("a", "", false)]
    [InlineData("aaa", "%a%a%a%", true)]
    [InlineData("aa", "%a%a%a%", false)]
    public void Like_follows_postgresql_semantics(string text, string pattern, bool expected) =>
        Assert.Equal(expected, SelectivityEstimator.LikeMatch(text, pattern));
}
