using System.Linq.Expressions;
using System.Numerics;
using PgFusion.Arrow;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// Fixed-scale numeric: in a kernel compiled with fixedScale, numeric expressions over
/// numeric(p, s) columns and constants compute on raw Int128 unscaled values at scales known at
/// compile time (<see cref="FixedNumeric"/>), instead of PgNumeric per value. The kernel runs
/// only on batches whose numeric columns pass <see cref="FixedScaleOps.Eligible"/>; a checked
/// step that would overflow throws <see cref="FixedScaleOverflowException"/> and the batch is
/// evaluated again by the general kernel.
/// </summary>
public sealed partial class ExprCompiler
{
    private readonly Dictionary<int, (Expression? Nulls, ParameterExpression Values)> fixedInputs = [];

    /// <summary>Compiling the fixed-scale variant of a kernel.</summary>
    public bool FixedMode { get; }

    private static readonly System.Reflection.ConstructorInfo NumericCtor =
        typeof(PgNumeric).GetConstructor([typeof(Int128), typeof(short), typeof(NumericKind), typeof(BigInteger?)])!;

    private bool TryEmitFixedScale(BoundExpr expr, List<Expression> body, out Val result)
    {
        result = default;
        if (expr is BoundFuncCall call && FixedNumeric.IsComparison(call)
            && FixedNumeric.Of(call.Args[0], inputTypes) is { } a && FixedNumeric.Of(call.Args[1], inputTypes) is { } b)
        {
            result = EmitFixedCompare(call, a, b, body);
            return true;
        }
        if (expr is BoundConst || FixedNumeric.Of(expr, inputTypes) is not { } info) return false;
        var v = EmitFixed(expr, body);
        // A consumer that wants a PgNumeric (a function without a fixed-scale form, CASE, an output) gets one.
        result = new Val(v.IsNull, Expression.New(NumericCtor, v.Value, Expression.Constant((short)info.Scale),
            Expression.Constant(NumericKind.Finite), Expression.Constant(null, typeof(BigInteger?))));
        return true;
    }

    /// <summary>The Int128 unscaled value of a fixed-scale expression (scale: FixedNumeric.Of(expr)).</summary>
    public Val EmitFixed(BoundExpr expr, List<Expression> body)
    {
        switch (expr)
        {
            case BoundColumnRef c:
            {
                var (nulls, values) = FixedColumn(c.Index);
                return new Val(Expression.Call(typeof(KernelColumns), nameof(KernelColumns.IsNull), null, nulls!, Row), Expression.ArrayIndex(values, Row));
            }
            case BoundConst { Value: PgNumeric v }:
                return new Val(null, Expression.Constant(v.Unscaled, typeof(Int128)));
            case BoundRelabel r:
                return EmitFixed(r.Arg, body);
            case BoundFuncCall f:
                return EmitFixedCall(f, body);
            default:
                throw new UnsupportedException($"fixed-scale numeric {expr.GetType().Name}");
        }
    }

    private Val EmitFixedCall(BoundFuncCall f, List<Expression> body)
    {
        if (FixedNumeric.IntegerCastDigits(f) is not null)
        {
            var integer = EmitGeneral(f.Args[0], body);
            return new Val(integer.IsNull, Expression.Convert(Expression.Convert(integer.Value, typeof(long)), typeof(Int128)));
        }
        var info = FixedNumeric.Of(f, inputTypes)!.Value;
        var args = new List<(Val Val, FixedNumeric Info)>();
        foreach (var a in f.Args) args.Add((EmitFixed(a, body), FixedNumeric.Of(a, inputTypes)!.Value));
        Expression compute;
        switch (f.FuncOid)
        {
            case FixedNumeric.NumericUPlus:
                return args[0].Val;
            case FixedNumeric.NumericUMinus:
                compute = Expression.Negate(args[0].Val.Value);
                break;
            case FixedNumeric.NumericAdd or FixedNumeric.NumericSub:
            {
                var x = Rescale(args[0].Val.Value, args[0].Info, info.Scale);
                var y = Rescale(args[1].Val.Value, args[1].Info, info.Scale);
                bool add = f.FuncOid == FixedNumeric.NumericAdd;
                compute = info.NeedsCheck
                    ? Expression.Call(typeof(FixedScaleOps), add ? nameof(FixedScaleOps.AddChecked) : nameof(FixedScaleOps.SubChecked), null, x, y)
                    : add ? Expression.Add(x, y) : Expression.Subtract(x, y);
                break;
            }
            case FixedNumeric.NumericMul:
            {
                var (x, y) = (args[0].Val.Value, args[1].Val.Value);
                string? helper = info.NeedsCheck ? nameof(FixedScaleOps.MulChecked)
                    : args[0].Info.Digits <= 18 && args[1].Info.Digits <= 18 ? nameof(FixedScaleOps.MulSmall) : null;
                compute = helper is null ? Expression.Multiply(x, y) : Expression.Call(typeof(FixedScaleOps), helper, null, x, y);
                break;
            }
            default:
                throw new UnsupportedException($"fixed-scale numeric function {f.FuncOid}");
        }
        return Strict(args.Select(a => a.Val.IsNull), compute, typeof(Int128), body);
    }

    private Val EmitFixedCompare(BoundFuncCall f, FixedNumeric a, FixedNumeric b, List<Expression> body)
    {
        var va = EmitFixed(f.Args[0], body);
        var vb = EmitFixed(f.Args[1], body);
        int scale = Math.Max(a.Scale, b.Scale);
        var x = Rescale(va.Value, a, scale);
        var y = Rescale(vb.Value, b, scale);
        Expression compare = f.FuncOid switch
        {
            1718 => Expression.Equal(x, y),
            1719 => Expression.NotEqual(x, y),
            1720 => Expression.GreaterThan(x, y),
            1721 => Expression.GreaterThanOrEqual(x, y),
            1722 => Expression.LessThan(x, y),
            _ => Expression.LessThanOrEqual(x, y),
        };
        if (IsPure(va) && IsPure(vb) && IsPure(compare)) return Inline(AnyNull([va.IsNull, vb.IsNull]), compare);
        return Strict([va.IsNull, vb.IsNull], compare, typeof(bool), body);
    }

    /// <summary>The value at <paramref name="scale"/>: times 10^k, checked when the bound passes 38 digits.</summary>
    private static Expression Rescale(Expression value, FixedNumeric from, int scale)
    {
        int k = scale - from.Scale;
        if (k == 0) return value;
        if (from.Digits + k <= FixedNumeric.SafeDigits) return Expression.Multiply(value, Expression.Constant(FixedScaleOps.Pow10(k), typeof(Int128)));
        return Expression.Call(typeof(FixedScaleOps), nameof(FixedScaleOps.RescaleChecked), null, value, Expression.Constant(k));
    }

    /// <summary>A strict operation: NULL when an argument is NULL, else <paramref name="compute"/> (evaluated only then).</summary>
    private Val Strict(IEnumerable<Expression?> argNulls, Expression compute, Type type, List<Expression> body)
    {
        var anyNull = AnyNull(argNulls);
        if (anyNull is ConstantExpression { Value: true }) return new Val(anyNull, Expression.Default(type));
        var result = NewLocal(type, "f");
        if (anyNull is null)
        {
            body.Add(Expression.Assign(result, compute));
            return new Val(null, result);
        }
        var isNull = NewLocal(typeof(bool), "n");
        body.Add(Expression.Assign(isNull, anyNull));
        body.Add(Expression.IfThen(Expression.Not(isNull), Expression.Assign(result, compute)));
        return new Val(isNull, result);
    }

    /// <summary>Whether any argument is NULL: null when none can be, the constant true when one always is.</summary>
    private static Expression? AnyNull(IEnumerable<Expression?> argNulls)
    {
        Expression? anyNull = null;
        foreach (var n in argNulls)
        {
            if (n is null) continue;
            if (n is ConstantExpression { Value: true }) return n;
            anyNull = anyNull is null ? n : Expression.OrElse(anyNull, n);
        }
        return anyNull;
    }

    private (Expression? Nulls, ParameterExpression Values) FixedColumn(int index)
    {
        if (fixedInputs.TryGetValue(index, out var slot)) return slot;
        var input = InputColumn(index);
        var values = Local(typeof(Int128[]), "c" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "_i128",
            Expression.Property(Expression.Convert(input.Column, typeof(DecimalColumn)), nameof(DecimalColumn.Values)));
        slot = (input.Nulls, values);
        fixedInputs.Add(index, slot);
        return slot;
    }
}
