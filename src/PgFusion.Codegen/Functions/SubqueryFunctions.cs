using PgFusion.Types;

namespace PgFusion.Codegen.Functions;

/// <summary>Checks the planner adds for decorrelated subqueries (pseudo-functions, not pg_proc entries).</summary>
public static class SubqueryFunctions
{
    /// <summary>
    /// pgfusion_single_row (BoundAggregate.SingleRowCheckOid): a correlated scalar subquery matched
    /// <paramref name="rows"/> rows for this outer row; more than one is PostgreSQL's cardinality violation.
    /// </summary>
    public static bool SingleRow(long rows) => rows <= 1
        ? true
        : throw new PgFusionException("21000", "more than one row returned by a subquery used as an expression");
}
