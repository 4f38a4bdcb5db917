using System.Linq.Expressions;
using PgFusion.Codegen.Functions;
using PgFusion.Planner.Binding;

namespace PgFusion.Codegen.Kernels;

public sealed partial class ExprCompiler
{
    private Val EmitCall(BoundFuncCall f, List<Expression> body)
    {
        if (!FunctionRegistry.TryGet(f.FuncOid, out var impl))
            throw new UnsupportedException($"function {f.FuncOid} ({f.Name}) is not supported");
        var parameters = impl.Method.GetParameters();
        int skip = impl.NeedsContext ? 1 : 0;
        if (parameters.Length - skip != f.Args.Count)
            throw new UnsupportedException($"function {f.FuncOid} ({f.Name}) with {f.Args.Count} arguments is not supported");

        var args = new List<Expression>();
        if (impl.NeedsContext) args.Add(Context);
        Expression? anyNull = null;
        for (int a = 0; a < f.Args.Count; a++)
        {
            var v = Emit(f.Args[a], body);
            if (v.IsNull is ConstantExpression { Value: true })
            {
                // A strict function of a NULL constant is NULL; later arguments are still evaluated above.
                anyNull = Expression.Constant(true);
            }
            else if (v.IsNull is not null && anyNull is not ConstantExpression)
            {
                anyNull = anyNull is null ? v.IsNull : Expression.OrElse(anyNull, v.IsNull);
            }
            var want = parameters[a + skip].ParameterType;
            if (v.Value.Type != want && !(v.Value.Type.IsPrimitive && want.IsPrimitive))
                throw new UnsupportedException($"function {f.FuncOid} ({f.Name}) on {f.Args[a].Type} is not supported");
            args.Add(v.Value.Type == want ? v.Value : Expression.Convert(v.Value, want));
        }

        var resultType = KernelTypes.Require(f.Type);
        Expression call = Expression.Call(impl.Method, args);
        if (Nullable.GetUnderlyingType(call.Type) == resultType) return EmitNullableResult(call, anyNull, resultType, body);
        if (call.Type != resultType)
        {
            if (call.Type.IsPrimitive && resultType.IsPrimitive) call = Expression.Convert(call, resultType);
            else throw new UnsupportedException($"function {f.FuncOid} ({f.Name}) returning {f.Type} is not supported");
        }
        var result = NewLocal(resultType, "v");
        if (anyNull is null)
        {
            body.Add(Expression.Assign(result, call));
            return new Val(null, result);
        }
        if (anyNull is ConstantExpression)
            return new Val(Expression.Constant(true), Expression.Default(resultType));
        var isNull = NewLocal(typeof(bool), "n");
        body.Add(Expression.Assign(isNull, anyNull));
        body.Add(Expression.IfThen(Expression.Not(isNull), Expression.Assign(result, call)));
        return new Val(isNull, result);
    }

    /// <summary>A strict function that may still return NULL for a non-NULL input (EXTRACT of an infinite timestamp): it returns T?.</summary>
    private Val EmitNullableResult(Expression call, Expression? anyNull, Type resultType, List<Expression> body)
    {
        if (anyNull is ConstantExpression) return new Val(Expression.Constant(true), Expression.Default(resultType));
        var boxed = NewLocal(call.Type, "nv");
        var isNull = NewLocal(typeof(bool), "n");
        var result = NewLocal(resultType, "v");
        var evaluate = Expression.Block(
            Expression.Assign(boxed, call),
            Expression.Assign(isNull, Expression.Not(Expression.Property(boxed, "HasValue"))),
            Expression.Assign(result, Expression.Call(boxed, call.Type.GetMethod("GetValueOrDefault", Type.EmptyTypes)!)));
        if (anyNull is null)
        {
            body.Add(evaluate);
        }
        else
        {
            body.Add(Expression.Assign(isNull, anyNull));
            body.Add(Expression.IfThen(Expression.Not(isNull), evaluate));
        }
        return new Val(isNull, result);
    }

    private Val EmitRelabel(BoundRelabel r, List<Expression> body)
    {
        var v = Emit(r.Arg, body);
        var want = KernelTypes.Require(r.Type);
        return v.Value.Type == want ? v : new Val(v.IsNull, ConvertCompatible(v.Value, want, r.Type));
    }
}
