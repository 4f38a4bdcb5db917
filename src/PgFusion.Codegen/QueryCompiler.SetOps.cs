using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.SetOps;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen;

// UNION ALL (append) and INTERSECT / EXCEPT (hash set operation).
public sealed partial class QueryCompiler
{
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
