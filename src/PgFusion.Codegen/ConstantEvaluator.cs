using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators;
using PgFusion.Planner.Binding;

namespace PgFusion.Codegen;

/// <summary>
/// Evaluates an expression that reads no column, once, with the same compiled kernel code the
/// query would run (so values and errors are exactly the run-time ones). The planner calls it
/// at plan time (PlannerOptions.EvaluateConstant) to raise PostgreSQL's plan-time errors and to
/// fold constant predicates and date arithmetic. Returns the value of a bool expression (null for
/// NULL), of a date (days since 2000-01-01, int) or timestamp (microseconds since 2000-01-01, long)
/// expression (null for NULL); other types are only checked for errors and return null.
/// </summary>
public static class ConstantEvaluator
{
    public static object? Evaluate(BoundExpr expr)
    {
        ArgumentNullException.ThrowIfNull(expr);
        // A cache of its own: the key holds the literal values, so sharing KernelCache.Shared would
        // keep one kernel per distinct literal for the worker's lifetime. Repeated queries reuse
        // their whole plan from the worker's plan cache instead.
        var kernel = KernelBuilder.Project("constant", [], [expr], new KernelCache());
        var output = PgArrowMapping.CreateColumn(expr.Type, 1);
        var context = new Operators.ExecutionContext(NoScans.Instance, CancellationToken.None);
        ProjectStream.Run(kernel, new RecordBatch([], 1), [output], context);
        if (output.IsNull(0)) return null;
        return output switch
        {
            BooleanColumn b => b.Get(0),
            PrimitiveColumn<int> i when expr.Type.Oid == Types.PgTypeOid.Date => i.Values[0],
            PrimitiveColumn<long> l when expr.Type.Oid == Types.PgTypeOid.Timestamp => l.Values[0],
            _ => null,
        };
    }

    private sealed class NoScans : Execution.IScanProvider
    {
        public static readonly NoScans Instance = new();

        public Execution.IBatchSource OpenScan(Planner.Physical.PhysicalScan scan) =>
            throw new InvalidOperationException("a constant expression reads no table");
    }
}
