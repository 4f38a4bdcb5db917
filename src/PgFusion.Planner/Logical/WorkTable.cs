namespace PgFusion.Planner.Logical;

/// <summary>
/// The working table of one WITH RECURSIVE query: the rows the previous iteration produced, which
/// the recursive term reads through <see cref="LogicalWorkTableScan"/> (PostgreSQL's WorkTableScan).
/// </summary>
public sealed class WorkTable(int id, string name)
{
    public int Id { get; } = id;

    public string Name { get; } = name;
}
