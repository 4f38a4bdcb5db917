using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators;
using PgFusion.Codegen.Values;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Rules;
using PgFusion.Types;

namespace PgFusion.Codegen;

/// <summary>
/// Evaluates an expression that reads no column, once, at plan time (PlannerOptions.EvaluateConstant):
/// PostgreSQL's eval_const_expressions raises their errors while planning and replaces them by
/// their value, and so does the ConstantEvaluation rule with what this returns. The value is in
/// BoundConst's representation for the expression's type (string for text types, int days for
/// date, PgNumeric, ...); <see cref="ConstantEvaluation.Unfoldable"/> when the type has no
/// constant form here (the expression then stays, evaluated per row).
/// It runs the functions the kernels call, through the ReferenceEvaluator (no code generation:
/// a compiled kernel per constant cost a millisecond or two of plan time each); an expression
/// the interpreter does not cover goes through a compiled kernel instead. Values and errors are
/// the run-time ones either way: both call the same function implementations.
/// </summary>
public static class ConstantEvaluator
{
    public static object? Evaluate(BoundExpr expr)
    {
        ArgumentNullException.ThrowIfNull(expr);
        object? value;
        try
        {
            value = new ReferenceEvaluator(new KernelContext()).Evaluate(expr, [], 0);
        }
        catch (PgFusionException)
        {
            throw; // PostgreSQL raises it while planning
        }
#pragma warning disable CA1031 // the interpreter lacks something (an argument conversion, a node): compile it instead
        catch (Exception)
#pragma warning restore CA1031
        {
            return EvaluateCompiled(expr);
        }
        return AsConstant(value, expr.Type);
    }

    /// <summary>The value as BoundConst holds it for <paramref name="type"/> (DatumDecoder's forms), or Unfoldable.</summary>
    private static object? AsConstant(object? value, PgType type) => value switch
    {
        null => null,
        bool when type.Oid == PgTypeOid.Bool => value,
        short when type.Oid == PgTypeOid.Int2 => value,
        int when type.Oid is PgTypeOid.Int4 or PgTypeOid.Date => value,
        uint when type.Oid == PgTypeOid.Oid => value,
        long when type.Oid is PgTypeOid.Int8 or PgTypeOid.Time or PgTypeOid.Timestamp => value,
        float when type.Oid == PgTypeOid.Float4 => value,
        double when type.Oid == PgTypeOid.Float8 => value,
        PgNumeric when type.Oid == PgTypeOid.Numeric => value,
        PgInterval when type.Oid == PgTypeOid.Interval => value,
        TextRef t when type.Oid is PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Name => t.ToString(),
        _ => ConstantEvaluation.Unfoldable,
    };

    private static object? EvaluateCompiled(BoundExpr expr)
    {
        // A cache of its own: the key holds the literal values, so sharing KernelCache.Shared would
        // keep one kernel per distinct literal for the worker's lifetime. Repeated queries reuse
        // their whole plan from the worker's plan cache instead.
        var kernel = KernelBuilder.Project("constant", [], [expr], new KernelCache());
        var output = PgArrowMapping.CreateColumn(expr.Type, 1);
        var context = new Operators.ExecutionContext(NoScans.Instance, CancellationToken.None);
        ProjectStream.Run(kernel, new RecordBatch([], 1), [output], context);
        if (output.IsNull(0)) return null;
        return output is BooleanColumn b ? b.Get(0) : ConstantEvaluation.Unfoldable;
    }

    private sealed class NoScans : Execution.IScanProvider
    {
        public static readonly NoScans Instance = new();

        public Execution.IBatchSource OpenScan(Planner.Physical.PhysicalScan scan) =>
            throw new InvalidOperationException("a constant expression reads no table");
    }
}
