using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Cte;
using PgFusion.Codegen.Operators.SetOps;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen;

// UNION ALL (append), INTERSECT / EXCEPT (hash set operation), and references to materialized CTEs.
public sealed partial class QueryCompiler
{
    // The materialized CTEs of the plan being compiled: one buffer node each, shared by its references.
    private readonly Dictionary<PhysicalCte, MaterializeNode> materialized = [];

    private OperatorNode LowerSetOperation(PhysicalPlan plan)
    {
        switch (plan)
        {
            case PhysicalAppend append:
            {
                var inputs = append.Inputs.Select(Lower).ToList();
                foreach (var input in inputs) CheckSameTypes(input.OutputTypes, Types(append), "UNION ALL input");
                return new AppendNode(inputs, append.Output);
            }
            case PhysicalHashSetOp setOp:
            {
                var left = Lower(setOp.Left);
                var right = Lower(setOp.Right);
                CheckSameTypes(left.OutputTypes, Types(setOp), "set operation left input");
                CheckSameTypes(right.OutputTypes, Types(setOp), "set operation right input");
                foreach (var o in setOp.Output)
                {
                    if (!ColumnOps.For(o.Type).CanCompare) throw new UnsupportedException($"set operation on {o.Type} is not supported");
                }
                BoundExpr[] Identity(PhysicalPlan p) => [.. p.Output.Select((c, i) => (BoundExpr)new BoundColumnRef(i, c.Type, c.Name))];
                var leftKernel = KernelBuilder.Project("setop_left", Types(setOp.Left), Identity(setOp.Left), Cache);
                var rightKernel = KernelBuilder.Project("setop_right", Types(setOp.Right), Identity(setOp.Right), Cache);
                return new HashSetOpNode(left, right, setOp, leftKernel, rightKernel);
            }
            case PhysicalRecursiveUnion recursiveUnion:
            {
                var anchor = Lower(recursiveUnion.Anchor);
                var recursive = Lower(recursiveUnion.Recursive);
                CheckSameTypes(anchor.OutputTypes, Types(recursiveUnion), "WITH RECURSIVE non-recursive term");
                CheckSameTypes(recursive.OutputTypes, Types(recursiveUnion), "WITH RECURSIVE recursive term");
                if (!recursiveUnion.All)
                {
                    foreach (var o in recursiveUnion.Output)
                    {
                        if (!ColumnOps.For(o.Type).CanCompare) throw new UnsupportedException($"WITH RECURSIVE ... UNION on {o.Type} is not supported");
                    }
                }
                return new RecursiveUnionNode(anchor, recursive, recursiveUnion.WorkTable, recursiveUnion.All, recursiveUnion.Output);
            }
            case PhysicalPartitionLimit partitionLimit:
            {
                var input = Lower(partitionLimit.Input);
                foreach (var k in partitionLimit.KeyIndexes)
                {
                    if (!ColumnOps.For(partitionLimit.Input.Output[k].Type).CanCompare) throw new UnsupportedException($"LATERAL LIMIT keyed by {partitionLimit.Input.Output[k].Type} is not supported");
                }
                return new PartitionLimitNode(input, partitionLimit.KeyIndexes, partitionLimit.Offset, partitionLimit.Count);
            }
            case PhysicalWindow window:
            {
                if (window.RaisingArguments.Count == 0 || window.Input is not PhysicalProject project)
                    return new Operators.Window.WindowNode(Lower(window.Input), window);
                // the projection of the arguments that can raise, with them NULL: what it computes for
                // the rows from the first one whose arguments raise on (Window/WindowArgumentErrors.cs)
                var types = Types(project.Input);
                BoundExpr[] exprs = [.. project.Exprs.Select((e, i) => window.RaisingArguments.Contains(i) ? new BoundConst(null, e.Type) : e)];
                Kernels.KernelBuilder.Check(types, exprs);
                var afterError = new Lazy<Kernels.Kernel<Kernels.ProjectKernel>>(() => Kernels.KernelBuilder.Project("window_args_after_error", types, exprs, Cache));
                return new Operators.Window.WindowNode(Lower(project), window) { ArgumentsAfterError = () => afterError.Value };
            }
            case PhysicalOneRow:
                return new OneRowNode();
            case PhysicalWorkTableScan workTableScan:
                return new WorkTableScanNode(workTableScan.WorkTable, workTableScan.Output);
            case PhysicalCteScan cteScan:
            {
                bool first = !materialized.TryGetValue(cteScan.Cte, out var source);
                if (source is null)
                {
                    source = new MaterializeNode(Lower(cteScan.Cte.Plan), cteScan.Cte);
                    materialized[cteScan.Cte] = source;
                }
                CheckSameTypes(source.OutputTypes, Types(cteScan), "CTE scan");
                return new CteScanNode(source, cteScan.Output, showsSource: first);
            }
            default:
                throw new UnsupportedException($"plan node {plan.GetType().Name} is not supported");
        }
    }

    private static void CheckSameTypes(IReadOnlyList<Types.PgType> actual, IReadOnlyList<Types.PgType> expected, string what)
    {
        for (int i = 0; i < expected.Count; i++)
        {
            if (i >= actual.Count || actual[i].Oid != expected[i].Oid)
                throw new UnsupportedException($"{what} column {i + 1} is {(i < actual.Count ? actual[i].ToString() : "missing")}, expected {expected[i]}");
        }
    }
}
