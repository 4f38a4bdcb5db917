using PgFusion.Arrow;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>
/// One execution's rows of a materialized CTE. The first reference that reads fills it from the
/// CTE's plan; later references read the same rows. A CTE whose rows pass the operator memory
/// budget is not kept: the filling reference streams on, and each later reference runs the CTE's
/// plan again (a SELECT gives the same rows each time).
/// </summary>
internal sealed class CteBuffer
{
    public Column[]? Rows { get; set; }

    public int Count { get; set; }

    public bool Complete { get; set; }

    public bool Overflowed { get; set; }

    public bool Filling { get; set; }
}
