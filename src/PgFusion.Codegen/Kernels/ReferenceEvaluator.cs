using PgFusion.Arrow;
using PgFusion.Codegen.Functions;
using PgFusion.Codegen.Values;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// A deliberately simple row-at-a-time interpreter over BoundExpr (boxed values, reflection
/// calls): the baseline for differential tests and the "interpreted" side of the benchmarks.
/// Same functions, same semantics as the compiled kernels, no code generation.
/// </summary>
public sealed class ReferenceEvaluator(KernelContext context)
{
    public object? Evaluate(BoundExpr expr, IReadOnlyList<Column> columns, int row)
    {
        switch (expr)
        {
            case BoundColumnRef c:
                return Read(columns[c.Index], row, c.Type);
            case BoundConst k:
                return k.Value is string s ? TextRef.FromString(s) : k.Value;
            case BoundRelabel r:
                return Evaluate(r.Arg, columns, row);
            case BoundNullTest t:
                return (Evaluate(t.Arg, columns, row) is null) != t.IsNotNull;
            case BoundBoolExpr { Op: BoolOp.Not } n:
                return Evaluate(n.Args[0], columns, row) is bool b ? !b : null;
            case BoundBoolExpr logic:
            {
                bool isAnd = logic.Op == BoolOp.And, sawNull = false;
                foreach (var a in logic.Args)
                {
                    var v = Evaluate(a, columns, row);
                    if (v is null) sawNull = true;
                    else if ((bool)v != isAnd) return !isAnd;
                }
                return sawNull ? null : isAnd;
            }
            case BoundCase c:
                foreach (var (when, then) in c.Branches)
                    if (Evaluate(when, columns, row) is true) return Evaluate(then, columns, row);
                return c.Else is null ? null : Evaluate(c.Else, columns, row);
            case BoundCoalesce c:
                foreach (var a in c.Args)
                    if (Evaluate(a, columns, row) is { } v) return v;
                return null;
            case BoundFuncCall f:
            {
                if (!FunctionRegistry.TryGet(f.FuncOid, out var impl)) throw new UnsupportedException($"function {f.FuncOid} ({f.Name}) is not supported");
                var parameters = impl.Method.GetParameters();
                int skip = impl.NeedsContext ? 1 : 0;
                var args = new object?[parameters.Length];
                if (skip == 1) args[0] = context;
                bool anyNull = false;
                for (int a = 0; a < f.Args.Count; a++)
                {
                    var v = Evaluate(f.Args[a], columns, row);
                    if (v is null) anyNull = true;
                    else args[a + skip] = Convert.ChangeType(v, parameters[a + skip].ParameterType, System.Globalization.CultureInfo.InvariantCulture);
                }
                if (anyNull) return null;
                try
                {
                    return impl.Method.Invoke(null, args);
                }
                catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                    throw;
                }
            }
            default:
                throw new UnsupportedException($"expression {expr.GetType().Name} is not supported");
        }
    }

    private static object? Read(Column c, int row, PgType type)
    {
        if (c.IsNull(row)) return null;
        return c switch
        {
            BooleanColumn b => b.Get(row),
            PrimitiveColumn<short> p => p.Values[row],
            PrimitiveColumn<int> p => p.Values[row],
            PrimitiveColumn<long> p => p.Values[row],
            PrimitiveColumn<float> p => p.Values[row],
            PrimitiveColumn<double> p => p.Values[row],
            PrimitiveColumn<uint> p => p.Values[row],
            DecimalColumn d => KernelColumns.GetNumeric(d, row),
            VarBinaryColumn v => KernelColumns.GetText(v.Data, v.Offsets, row),
            _ => throw new UnsupportedException($"type {type} is not supported"),
        };
    }
}
