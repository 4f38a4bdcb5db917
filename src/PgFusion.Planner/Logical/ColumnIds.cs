using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// Sets of column ids, as the rules and the binder build them for every join and conjunct. Made
/// with the set sized for the columns and filled by index: from a LINQ Select the set grows a
/// prime at a time (3, 7, 17, 37, 79 entries ...), each growth a new pair of arrays, and those
/// growths were a sixth of the bytes allocated planning a TPC-H join query.
/// </summary>
public static class ColumnIds
{
    /// <summary>The ids of <paramref name="columns"/>.</summary>
    public static HashSet<int> Of(IReadOnlyList<LogicalColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var ids = new HashSet<int>(columns.Count);
        for (int i = 0; i < columns.Count; i++) ids.Add(columns[i].Id);
        return ids;
    }

    /// <summary>The ids of the columns <paramref name="expr"/> reads.</summary>
    public static HashSet<int> ReferencedBy(BoundExpr expr)
    {
        ArgumentNullException.ThrowIfNull(expr);
        return Of(expr.ReferencedColumns());
    }
}
