using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Physical;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Planner.Tests.Physical;

/// <summary>
/// Selectivities without statistics (an expression, a never-analyzed table) are PostgreSQL's
/// defaults. Seed 479 case 1370: <c>(c.c4 || b.c6) NOT LIKE 'A%'</c> was estimated to keep no row
/// (the prefix was ignored, so LIKE 'A%' matched everything), the keyless join b x c looked empty
/// and was built first, and its overflowing <c>c.c9 * b.c9</c> raised where PostgreSQL, joining
/// by the equalities first, evaluated it on no row.
/// </summary>
public sealed class DefaultSelectivityTests
{
    private const uint TextLike = 9101, TextNotLike = 9102, Float4Le = 9103, Float4Ge = 9104;

    private static readonly QueryCatalog Catalog = new(
        [],
        [
            new CatalogOperator(1, "~~", PgTypeOid.Text, PgTypeOid.Text, PgTypeOid.Bool, TextLike),
            new CatalogOperator(2, "!~~", PgTypeOid.Text, PgTypeOid.Text, PgTypeOid.Bool, TextNotLike),
            new CatalogOperator(3, "<=", PgTypeOid.Float4, PgTypeOid.Float4, PgTypeOid.Bool, Float4Le),
            new CatalogOperator(4, ">=", PgTypeOid.Float4, PgTypeOid.Float4, PgTypeOid.Bool, Float4Ge),
        ],
        []);

    private static readonly SelectivityEstimator Estimator = new(Catalog, new Dictionary<int, ColumnOrigin>());
    private static readonly LogicalColumn Text = new(1, "x", PgType.Text);
    private static readonly LogicalColumn Real = new(2, "r", PgType.Float4);

    private static BoundExpr Call(uint func, BoundExpr a, BoundExpr b) => new BoundFuncCall(func, "op", [a, b], PgType.Bool);

    private static BoundExpr Like(uint func, string pattern) => Call(func, new LogicalColumnRef(Text), new BoundConst(pattern, PgType.Text));

    [Theory]
    [InlineData("A%", 0.005)] // fixed prefix, no histogram: DEFAULT_MATCH_SEL
    [InlineData("ab_c", 0.005 * 0.2)] // prefix times the rest's heuristic (after its leading wildcards)
    [InlineData("%", 0.9999)] // no prefix: the heuristic, clamped as patternsel clamps
    [InlineData("%ab", 0.2 * 0.2)]
    [InlineData("abc", 0.005)] // no wildcard: an equality
    public void Like_without_statistics_counts_the_fixed_prefix(string pattern, double expected)
    {
        Assert.Equal(expected, Estimator.Estimate(Like(TextLike, pattern)), 9);
        Assert.Equal(1 - expected, Estimator.Estimate(Like(TextNotLike, pattern)), 9);
    }

    [Fact]
    public void An_inequality_without_statistics_is_a_third_in_either_direction()
    {
        var big = new BoundConst(3e38f, PgType.Float4);
        var column = new LogicalColumnRef(Real);
        Assert.Equal(1.0 / 3, Estimator.Estimate(Call(Float4Le, big, column)), 9); // 3e38 <= r
        Assert.Equal(1.0 / 3, Estimator.Estimate(Call(Float4Le, column, big)), 9);
        Assert.Equal(1.0 / 3, Estimator.Estimate(Call(Float4Ge, column, big)), 9);
        Assert.Equal(1.0 / 3, Estimator.Estimate(Call(Float4Ge, big, column)), 9);
    }
}
