using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Physical;

// Set operations: inputs already carry the set operation's column types (the binder cast them).
public sealed partial class PhysicalPlanner
{
    private readonly Dictionary<WorkTable, double> _workTableRows = [];
    private bool _insideRecursion;

    private PhysicalPlan LowerSetOperation(LogicalPlan plan)
    {
        switch (plan)
        {
            case LogicalUnionAll union:
                return new PhysicalAppend([.. union.Inputs.Select(Lower)], Columns(union.Output));
            case LogicalSetOp setOp:
            {
                var left = Lower(setOp.Left);
                var right = Lower(setOp.Right);
                // generate_nonunion_paths: the groups of each input (recurse_set_operations); INTERSECT
                // reads the input with fewer groups first (a tie keeps the left), EXCEPT its left input.
                double leftGroups = SetOpInputGroups(setOp.Left, left);
                double rightGroups = SetOpInputGroups(setOp.Right, right);
                bool rightFirst = setOp.Kind == SetOpKind.Intersect && rightGroups < leftGroups;
                // its output rows: one per group, or with ALL the rows of the smaller (INTERSECT) or left (EXCEPT) input
                double rows = setOp.Kind == SetOpKind.Intersect
                    ? setOp.All ? Math.Min(left.EstimatedRows, right.EstimatedRows) : Math.Min(leftGroups, rightGroups)
                    : setOp.All ? left.EstimatedRows : leftGroups;
                return new PhysicalHashSetOp(left, right, setOp.Kind, setOp.All, Columns(setOp.Output), Math.Max(1, rows)) { RightFirst = rightFirst };
            }
            case LogicalRecursiveUnion recursiveUnion:
            {
                var anchor = Lower(recursiveUnion.Anchor);
                _workTableRows[recursiveUnion.WorkTable] = anchor.EstimatedRows;
                // The recursive term runs once per iteration: no index-probe join (its rendezvous is per execution).
                bool saved = _insideRecursion;
                _insideRecursion = true;
                try
                {
                    var recursive = Lower(recursiveUnion.Recursive);
                    return new PhysicalRecursiveUnion(anchor, recursive, recursiveUnion.WorkTable, recursiveUnion.All, Columns(recursiveUnion.Output));
                }
                finally
                {
                    _insideRecursion = saved;
                }
            }
            case LogicalPartitionLimit partitionLimit:
            {
                var input = Lower(partitionLimit.Input);
                var keys = partitionLimit.PartitionKeys.Select(k => ((BoundColumnRef)Resolve(new LogicalColumnRef(k), partitionLimit.Input.Output)).Index).ToList();
                // A few rows per key: the count per partition times an assumed number of partitions.
                double rows = partitionLimit.Count is { } n ? Math.Min(input.EstimatedRows, Math.Max(1, n * Math.Sqrt(input.EstimatedRows))) : input.EstimatedRows;
                return new PhysicalPartitionLimit(input, keys, partitionLimit.Offset, partitionLimit.Count, rows);
            }
            case LogicalWindow window:
            {
                var input = Lower(window.Input);
                int Index(LogicalColumn c) => ((BoundColumnRef)Resolve(new LogicalColumnRef(c), window.Input.Output)).Index;
                var functions = window.Functions.Select(f =>
                {
                    var args = f.Function.Args.Select(a => Resolve(a, window.Input.Output)).ToList();
                    return new PhysicalWindowFunction(
                        f.Function.Kind,
                        f.Function.Name,
                        [.. args.Select(a => ((BoundColumnRef)a).Index)],
                        f.Function.Aggregate?.WithWindowArgs(args),
                        new OutputColumn(f.Column.Name, f.Column.Type));
                }).ToList();
                return new PhysicalWindow(input, [.. window.PartitionKeys.Select(Index)], [.. window.OrderKeys.Select(Index)], window.Frame, functions)
                {
                    RaisingArguments = [.. window.RaisingArguments.Select(Index)],
                };
            }
            case LogicalOneRow:
                return new PhysicalOneRow();
            case LogicalWorkTableScan workTableScan:
                return new PhysicalWorkTableScan(workTableScan.WorkTable, Columns(workTableScan.Output), _workTableRows.GetValueOrDefault(workTableScan.WorkTable, 10));
            default:
                throw new UnsupportedConstructException($"logical operator {plan.GetType().Name} has no physical form yet");
        }
    }
}
