using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Physical;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Planner.Tests.Physical;

/// <summary>
/// Row estimates and selectivities stay finite and in range whatever the statistics hold (seed 337
/// case 2906: a float8 histogram from -Infinity to 1e300 made the BETWEEN's bin fraction
/// Infinity / Infinity = NaN, the join enumerator rejected the NaN row estimate, and the query
/// failed with XX000). One test per cause, and the clamps every estimate passes through.
/// </summary>
public sealed class FiniteEstimateTests
{
    private const uint Float8Le = 9001, Float8Ge = 9002, Float8Lt = 9003;

    private static readonly QueryCatalog Catalog = new(
        [],
        [
            new CatalogOperator(1, "<=", PgTypeOid.Float8, PgTypeOid.Float8, PgTypeOid.Bool, Float8Le),
            new CatalogOperator(2, ">=", PgTypeOid.Float8, PgTypeOid.Float8, PgTypeOid.Bool, Float8Ge),
            new CatalogOperator(3, "<", PgTypeOid.Float8, PgTypeOid.Float8, PgTypeOid.Bool, Float8Lt),
        ],
        []);

    private static readonly LogicalColumn C2 = new(1, "c2", PgType.Float8);

    /// <summary>An estimator over t1.c2 with the given MCVs and histogram (9 rows, as case 2906's table).</summary>
    private static SelectivityEstimator Estimator(string[] mcv, double[] freqs, string[] histogram)
    {
        var stats = new ColumnStatistics(3, 0, 8, -0.4444, mcv, freqs, histogram, null);
        var relation = new RelationInfo(new RelationLayout(1, "t1", [], 1, 9), "public", 'r', false, new Dictionary<int, ColumnStatistics> { [3] = stats });
        return new SelectivityEstimator(Catalog, new Dictionary<int, ColumnOrigin> { [C2.Id] = new ColumnOrigin(relation, 3) });
    }

    private static BoundExpr Compare(uint func, double constant) =>
        new BoundFuncCall(func, "cmp", [new LogicalColumnRef(C2), new BoundConst(constant, PgType.Float8)], PgType.Bool);

    private static void AssertProbability(double selectivity)
    {
        Assert.False(double.IsNaN(selectivity));
        Assert.InRange(selectivity, 0, 1);
    }

    [Fact]
    public void Between_over_a_histogram_from_minus_infinity_is_a_probability()
    {
        // case 2906's c2: 6 (5 rows) and -1e300 (2 rows) are MCVs, -Infinity and 1e300 the histogram
        var estimator = Estimator(["6", "-1e+300"], [5 / 9.0, 2 / 9.0], ["-Infinity", "1e+300"]);
        var between = new BoundBoolExpr(BoolOp.And, [Compare(Float8Ge, -2.75), Compare(Float8Le, 0)]);
        AssertProbability(estimator.Estimate(between));
        AssertProbability(estimator.Estimate(Compare(Float8Le, 0)));
        AssertProbability(estimator.Estimate(Compare(Float8Ge, -2.75)));
    }

    [Fact]
    public void A_histogram_of_infinite_bounds_interpolates_to_the_bins_middle()
    {
        var estimator = Estimator([], [], ["-Infinity", "Infinity"]);
        // 0 lies inside the only bin; (0 + Inf) / (Inf + Inf) is NaN, PostgreSQL takes 0.5
        Assert.Equal(0.5, estimator.Estimate(Compare(Float8Lt, 0)), 9);
    }

    [Theory]
    [InlineData(-2.75, double.NegativeInfinity, 1e300, 0.5)] // Inf / Inf
    [InlineData(0, double.NegativeInfinity, double.PositiveInfinity, 0.5)]
    [InlineData(5, 0, double.PositiveInfinity, 0)] // finite / Inf is 0: a fraction, kept
    [InlineData(2.5, 0, 10, 0.25)]
    [InlineData(1, 1, 1, 0.5)] // an empty bin: no division by zero
    [InlineData(double.NaN, 0, 1, 0.5)]
    [InlineData(0.5, 0, double.NaN, 0.5)]
    public void Bin_fraction_is_postgresqls_interpolation_or_the_middle(double value, double low, double high, double expected) =>
        Assert.Equal(expected, SelectivityEstimator.BinFraction(value, low, high), 9);

    [Fact]
    public void Nan_sorts_above_every_bound_as_in_float8_order()
    {
        // every non-null value is below NaN (float8_cmp_internal); .NET's order put NaN below all, giving 0
        var estimator = Estimator([], [], ["0", "5", "10"]);
        Assert.Equal(1, estimator.Estimate(Compare(Float8Lt, double.NaN)), 9);
        var withNanBound = Estimator([], [], ["0", "10", "NaN"]);
        AssertProbability(withNanBound.Estimate(Compare(Float8Lt, 20)));
    }

    [Theory]
    [InlineData(double.NaN, Estimates.MaximumRows)]
    [InlineData(double.PositiveInfinity, Estimates.MaximumRows)]
    [InlineData(1e200, Estimates.MaximumRows)]
    [InlineData(double.NegativeInfinity, 1)]
    [InlineData(-5, 1)]
    [InlineData(0.4, 1)]
    [InlineData(2.5, 2)] // rint: half to even
    [InlineData(3.5, 4)]
    [InlineData(1234.4, 1234)]
    public void Row_estimates_are_clamped_as_clamp_row_est(double rows, double expected) =>
        Assert.Equal(expected, Estimates.Rows(rows));

    [Theory]
    [InlineData(double.NaN, 0.5)]
    [InlineData(-0.25, 0)]
    [InlineData(1.75, 1)]
    [InlineData(double.PositiveInfinity, 1)]
    [InlineData(0.3, 0.3)]
    public void Selectivities_are_probabilities(double selectivity, double expected) =>
        Assert.Equal(expected, Estimates.Selectivity(selectivity));
}
