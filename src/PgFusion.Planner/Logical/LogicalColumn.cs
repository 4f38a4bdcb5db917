using PgFusion.Types;

namespace PgFusion.Planner.Logical;

/// <summary>
/// A column of the logical plan, identified by an id unique within one query. Logical expressions
/// refer to columns by id (<see cref="LogicalColumnRef"/>), so rules can drop or reorder columns
/// without renumbering; physical lowering turns ids into child output positions.
/// </summary>
public sealed record LogicalColumn(int Id, string Name, PgType Type)
{
    public override string ToString() => $"{Name}#{Id}";
}
