using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators;
using PgFusion.Planner.Binding;

namespace PgFusion.Codegen;

/// <summary>
/// Evaluates an expression that reads no column, once, with the same compiled kernel code the
/// query would run (so values and errors are exactly the run-time ones). The planner calls it
/// at plan time (PlannerOptions.EvaluateConstant) to raise PostgreSQL's plan-time errors and to
/// fold constant predicates. Returns the value of a bool expression (null for NULL); for other
/// types null when NULL and <see cref="NotNull"/> otherwise (COALESCE stops after a non-NULL constant).
/// </summary>
public static class ConstantEvaluator
{
    /// <summary>What <see cref="Evaluate"/> returns for a non-NULL value that is not a bool.</summary>
    public static readonly object NotNull = new();

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
        return output is BooleanColumn b ? b.Get(0) : NotNull;
    }

    private sealed class NoScans : Execution.IScanProvider
    {
        public static readonly NoScans Instance = new();

        public Execution.IBatchSource OpenScan(Planner.Physical.PhysicalScan scan) =>
            throw new InvalidOperationException("a constant expression reads no table");
    }
}
