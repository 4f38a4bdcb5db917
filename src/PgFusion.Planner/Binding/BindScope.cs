using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Binding;

/// <summary>
/// What a Var of this query level means. Base-relation attributes become scan columns on first
/// use, so a scan reads only the attributes the query mentions; Vars of a JOIN range-table entry
/// resolve through its joinaliasvars (in <see cref="ExpressionBinder"/>).
/// </summary>
public sealed class BindScope(IReadOnlyList<QueryTreeNode> rangeTable, Func<int, int, LogicalColumn> createColumn)
{
    private readonly Dictionary<(int Rti, int AttNum), LogicalColumn> _columns = [];
    private readonly Dictionary<int, IReadOnlyList<LogicalColumn>> _subqueries = [];

    public IReadOnlyList<QueryTreeNode> RangeTable { get; } = rangeTable;

    /// <summary>The query level this scope binds (its range table's owner), when the binder set it: rules that look at what the level reads use it.</summary>
    public QueryTreeNode? Query { get; init; }

    /// <summary>The column for attribute <paramref name="attnum"/> of range-table entry <paramref name="rti"/>, created on first use.</summary>
    public LogicalColumn Column(int rti, int attnum)
    {
        if (_subqueries.TryGetValue(rti, out var output))
        {
            return attnum >= 1 && attnum <= output.Count
                ? output[attnum - 1]
                : throw new Json.QueryJsonException($"$.query.rtable[{rti - 1}]", $"the subquery has {output.Count} columns, the query reads column {attnum}");
        }
        if (!_columns.TryGetValue((rti, attnum), out var column))
        {
            column = createColumn(rti, attnum);
            _columns.Add((rti, attnum), column);
        }
        return column;
    }

    /// <summary>The range-table entry and attribute a base-relation column was created for, or null.</summary>
    public (int Rti, int AttNum)? Origin(LogicalColumn column)
    {
        foreach (var (key, c) in _columns)
            if (c.Id == column.Id) return key;
        return null;
    }

    /// <summary>The range-table entry (a subquery, CTE or VALUES in FROM) and 1-based column a subquery's result column is, or null.</summary>
    public (int Rti, int AttNum)? SubqueryOrigin(LogicalColumn column)
    {
        foreach (var (rti, output) in _subqueries)
            for (int i = 0; i < output.Count; i++)
                if (output[i].Id == column.Id) return (rti, i + 1);
        return null;
    }

    /// <summary>Range-table entry <paramref name="rti"/> is a subquery in FROM with these result columns (attnum n = column n - 1).</summary>
    public void SetSubquery(int rti, IReadOnlyList<LogicalColumn> output) => _subqueries[rti] = output;

    /// <summary>The columns used of range-table entry <paramref name="rti"/>, in attnum order.</summary>
    public IReadOnlyList<ScanColumn> ColumnsOf(int rti) =>
        [.. _columns.Where(kv => kv.Key.Rti == rti).OrderBy(kv => kv.Key.AttNum).Select(kv => new ScanColumn(kv.Key.AttNum, kv.Value))];

    /// <summary>The range-table entry with 1-based index <paramref name="rti"/>.</summary>
    public QueryTreeNode Entry(int rti, QueryTreeNode at) =>
        rti >= 1 && rti <= RangeTable.Count ? RangeTable[rti - 1] : throw at.Error($"range-table index {rti} outside 1..{RangeTable.Count}");
}
