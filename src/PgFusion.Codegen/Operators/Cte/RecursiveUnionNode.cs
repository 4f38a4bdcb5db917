using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>
/// WITH RECURSIVE (PostgreSQL's RecursiveUnion): the anchor's rows, then the recursive term run
/// once per iteration over the previous iteration's new rows, until an iteration adds none.
/// </summary>
public sealed class RecursiveUnionNode(OperatorNode anchor, OperatorNode recursive, WorkTable workTable, bool all, IReadOnlyList<OutputColumn> output)
    : OperatorNode(output)
{
    public OperatorNode Anchor { get; } = anchor;

    public OperatorNode Recursive { get; } = recursive;

    public WorkTable WorkTable { get; } = workTable;

    public bool All { get; } = all;

    internal ColumnOps[] RowOps { get; } = [.. output.Select(o => ColumnOps.For(o.Type))];

    public override IReadOnlyList<OperatorNode> Children => [Anchor, Recursive];

    public override string Describe() => $"Recursive Union{(All ? " All" : "")} (work table {WorkTable.Name} #{WorkTable.Id})";

    public override IBatchSource Open(ExecutionContext context) => new RecursiveUnionStream(this, context);
}
