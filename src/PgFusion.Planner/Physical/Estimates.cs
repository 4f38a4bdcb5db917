namespace PgFusion.Planner.Physical;

/// <summary>
/// The one place where estimates are made safe before anything else reads them, as PostgreSQL's
/// clamp_row_est (costsize.c) and CLAMP_PROBABILITY (selfuncs.h) do. Statistics can hold values that
/// make the arithmetic degenerate (a histogram bound of -Infinity gives Infinity / Infinity = NaN;
/// seed 337 case 2906), and a NaN compares false with everything, so <c>Math.Max(1, NaN)</c> and
/// <c>Math.Clamp(NaN, 0, 1)</c> pass it on: it reached the join enumerator, which rejects it, and
/// the query failed with XX000 instead of being planned.
/// </summary>
public static class Estimates
{
    /// <summary>PostgreSQL's MAXIMUM_ROWCOUNT: a row estimate never exceeds it, so costs stay finite.</summary>
    public const double MaximumRows = 1e100;

    /// <summary>
    /// A row count as clamp_row_est: at least 1, rounded to a whole number (banker's rounding, as
    /// rint), at most <see cref="MaximumRows"/>; NaN becomes <see cref="MaximumRows"/> as in PostgreSQL.
    /// </summary>
    public static double Rows(double rows) =>
        double.IsNaN(rows) || rows > MaximumRows ? MaximumRows
        : rows <= 1 ? 1
        : Math.Round(rows);

    /// <summary>
    /// A product of row counts and join factors (a join's estimated size), clamped as
    /// clamp_row_est clamps each join's: at most <see cref="MaximumRows"/>, NaN as
    /// <see cref="MaximumRows"/>. Unclamped, a few large relations multiply to Infinity, and a
    /// factor of 0 then makes it NaN, which the join enumerator rejects. Unlike <see cref="Rows"/>
    /// it neither rounds nor raises small values to 1: join factors are fractions.
    /// </summary>
    public static double Product(double a, double b)
    {
        double product = a * b;
        return double.IsNaN(product) || product > MaximumRows ? MaximumRows : product;
    }

    /// <summary>
    /// A selectivity in [0, 1]. PostgreSQL's CLAMP_PROBABILITY lets NaN through; here a NaN (an
    /// estimate that lost its meaning) counts as <paramref name="unknown"/>, the estimator's
    /// default for a clause it cannot estimate.
    /// </summary>
    public static double Selectivity(double selectivity, double unknown = 0.5) =>
        double.IsNaN(selectivity) ? unknown : Math.Clamp(selectivity, 0, 1);
}
