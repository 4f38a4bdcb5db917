using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Binding;

/// <summary>
/// Collects the window function calls of one query level while its select list is bound; each
/// WindowFunc becomes a reference to the column its <see cref="LogicalWindow"/> outputs, and
/// remembers its window clause (WindowFunc.winref).
/// </summary>
public sealed class WindowCollector(ColumnIdAllocator ids)
{
    private readonly List<(int WinRef, NamedWindowFunction Call)> _calls = [];

    public IReadOnlyList<(int WinRef, NamedWindowFunction Call)> Calls => _calls;

    public LogicalColumn Add(int winRef, BoundWindowFunction function)
    {
        var column = ids.New(function.Name, function.Type);
        _calls.Add((winRef, new NamedWindowFunction(column, function)));
        return column;
    }
}
