using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Binding;

/// <summary>
/// Collects the distinct aggregates of one query level while its target list and HAVING are bound;
/// each Aggref becomes a reference to its aggregate's output column.
/// </summary>
public sealed class AggregateCollector(ColumnIdAllocator ids)
{
    private readonly List<NamedAggregate> _aggregates = [];

    public IReadOnlyList<NamedAggregate> Aggregates => _aggregates;

    public LogicalColumn Add(BoundAggregate aggregate)
    {
        foreach (var a in _aggregates)
            if (BoundExprComparer.Instance.Equals(a.Aggregate, aggregate))
                return a.Column;
        var column = ids.New(aggregate.Name, aggregate.Type);
        _aggregates.Add(new NamedAggregate(column, aggregate));
        return column;
    }
}
