using PgFusion.TestSupport.Slt;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>The comparison must catch every kind of difference a wrong engine can produce.</summary>
public sealed class SltComparerTests
{
    private static readonly ResultColumn[] IntText = [new("a", 23, "integer"), new("b", 25, "text")];
    private static readonly ResultColumn[] Float = [new("f", 701, "double precision")];

    private static QueryRows Rows(ResultColumn[] cols, params string?[][] rows) => new(cols, rows);

    [Fact]
    public void Equal_results_pass_in_any_order_under_rowsort()
    {
        var off = Rows(IntText, ["1", "x"], ["2", null], ["2", null]);
        var on = Rows(IntText, ["2", null], ["1", "x"], ["2", null]);
        Assert.Null(ResultComparer.Compare(off, on, "IT", SltSortMode.RowSort, null));
    }

    [Fact]
    public void Different_values_are_reported_with_both_rows()
    {
        var off = Rows(IntText, ["1", "x"], ["2", "y"]);
        var on = Rows(IntText, ["1", "x"], ["2", "z"]);
        var diff = ResultComparer.Compare(off, on, "IT", SltSortMode.RowSort, null);
        Assert.NotNull(diff);
        Assert.Contains("- 2 | y", diff, StringComparison.Ordinal);
        Assert.Contains("+ 2 | z", diff, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_duplicate_row_is_caught()
    {
        var off = Rows(IntText, ["1", "x"], ["1", "x"]);
        var on = Rows(IntText, ["1", "x"]);
        var diff = ResultComparer.Compare(off, on, "IT", SltSortMode.RowSort, null);
        Assert.NotNull(diff);
        Assert.Contains("off has 2 rows, on has 1", diff, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_differs_from_the_text_NULL_and_from_empty()
    {
        Assert.NotNull(ResultComparer.Compare(Rows(IntText, ["1", null]), Rows(IntText, ["1", "NULL"]), "IT", SltSortMode.RowSort, null));
        Assert.NotNull(ResultComparer.Compare(Rows(IntText, ["1", null]), Rows(IntText, ["1", ""]), "IT", SltSortMode.RowSort, null));
    }

    [Fact]
    public void Wrong_order_fails_under_nosort_but_not_under_rowsort()
    {
        var off = Rows(IntText, ["1", "x"], ["2", "y"], ["3", "z"]);
        var on = Rows(IntText, ["1", "x"], ["3", "z"], ["2", "y"]);
        var diff = ResultComparer.Compare(off, on, "IT", SltSortMode.NoSort, null);
        Assert.NotNull(diff);
        Assert.Contains("at row 2", diff, StringComparison.Ordinal);
        Assert.Null(ResultComparer.Compare(off, on, "IT", SltSortMode.RowSort, null));
    }

    [Fact]
    public void Extra_rows_fail_under_nosort()
    {
        var off = Rows(IntText, ["1", "x"]);
        var on = Rows(IntText, ["1", "x"], ["2", "y"]);
        Assert.NotNull(ResultComparer.Compare(off, on, "IT", SltSortMode.NoSort, null));
    }

    [Fact]
    public void Float_difference_fails_exactly_and_passes_within_tolerance()
    {
        var off = Rows(Float, ["0.30000000000000004"]);
        var on = Rows(Float, ["0.3"]);
        Assert.NotNull(ResultComparer.Compare(off, on, "R", SltSortMode.RowSort, null));
        Assert.Null(ResultComparer.Compare(off, on, "R", SltSortMode.RowSort, 1e-9));
        // Outside the tolerance stays a failure.
        Assert.NotNull(ResultComparer.Compare(Rows(Float, ["1.0001"]), Rows(Float, ["1.0002"]), "R", SltSortMode.RowSort, 1e-9));
    }

    [Fact]
    public void Tolerance_never_equates_special_floats_with_numbers()
    {
        Assert.NotNull(ResultComparer.Compare(Rows(Float, ["NaN"]), Rows(Float, ["0"]), "R", SltSortMode.RowSort, 1e-9));
        Assert.NotNull(ResultComparer.Compare(Rows(Float, ["Infinity"]), Rows(Float, ["-Infinity"]), "R", SltSortMode.RowSort, 1e-9));
        Assert.Null(ResultComparer.Compare(Rows(Float, ["NaN"]), Rows(Float, ["NaN"]), "R", SltSortMode.RowSort, 1e-9));
    }

    [Fact]
    public void Numeric_scale_is_significant()
    {
        ResultColumn[] num = [new("n", 1700, "numeric")];
        Assert.NotNull(ResultComparer.Compare(Rows(num, ["1.50"]), Rows(num, ["1.5"]), "N", SltSortMode.RowSort, null));
    }

    [Fact]
    public void Column_types_and_names_must_match()
    {
        ResultColumn[] int8 = [new("a", 20, "bigint"), new("b", 25, "text")];
        ResultColumn[] renamed = [new("x", 23, "integer"), new("b", 25, "text")];
        Assert.Contains("columns differ", ResultComparer.Compare(Rows(IntText, ["1", "x"]), Rows(int8, ["1", "x"]), "IT", SltSortMode.RowSort, null), StringComparison.Ordinal);
        Assert.Contains("columns differ", ResultComparer.Compare(Rows(IntText, ["1", "x"]), Rows(renamed, ["1", "x"]), "IT", SltSortMode.RowSort, null), StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_compare_by_sqlstate_and_message()
    {
        var div = new QueryError("22012", "division by zero");
        Assert.Null(ResultComparer.Compare(div, div, "", SltSortMode.RowSort, null));
        Assert.NotNull(ResultComparer.Compare(div, new QueryError("22003", "integer out of range"), "", SltSortMode.RowSort, null));
        Assert.NotNull(ResultComparer.Compare(div, new QueryError("22012", "Division by zero"), "", SltSortMode.RowSort, null));
        Assert.NotNull(ResultComparer.Compare(div, Rows(IntText), "", SltSortMode.RowSort, null));
        Assert.NotNull(ResultComparer.Compare(Rows(IntText), div, "IT", SltSortMode.RowSort, null));
    }
}
