namespace PgFusion.TestSupport.Slt;

/// <summary>How the off and on results of a query are compared.</summary>
public enum SltSortMode
{
    /// <summary>As a multiset: the query does not fix the row order.</summary>
    RowSort,

    /// <summary>Row by row: the query's ORDER BY fixes a total order.</summary>
    NoSort,
}
