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
            args.Add(Argument(impl, a, v.Value, f.Args[a]));
        }

        var resultType = KernelTypes.Require(f.Type);
        Expression call = ConstantLike(impl, args, f.Args) ?? Expression.Call(impl.Method, args);
        if (call.Type == typeof(bool) && resultType == typeof(bool) && IsTotalComparison(impl) && args.All(IsPure))
            return Inline(anyNull, call);
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

    private static readonly System.Reflection.MethodInfo LikePatternMatches =
        typeof(LikePattern).GetMethod(nameof(LikePattern.Matches), [typeof(Values.TextRef)])!;

    /// <summary>
    /// textlike / textnlike (and bpcharlike / bpcharnlike, the same functions) of a constant pattern
    /// that <see cref="LikePattern"/> compiles (literal runs and %): one call of the compiled byte
    /// searches on the text argument instead of LikeMatcher's interpretation of the pattern per
    /// row; null otherwise (the registered function runs). LikePattern neither raises nor allocates.
    /// </summary>
    private static Expression? ConstantLike(FunctionImpl impl, IReadOnlyList<Expression> args, IReadOnlyList<BoundExpr> sources)
    {
        if (args is not [var text, _] || sources is not [_, var pattern] || impl.NeedsContext || impl.Method.DeclaringType != typeof(TextFunctions)
            || impl.Method.Name is not (nameof(TextFunctions.TextLike) or nameof(TextFunctions.TextNotLike))
            || text.Type != typeof(Values.TextRef))
            return null;
        while (pattern is BoundRelabel r) pattern = r.Arg;
        if (pattern is not BoundConst { Value: string s } || LikePattern.TryCompile(s) is not { } compiled) return null;
        Expression match = Expression.Call(Expression.Constant(compiled), LikePatternMatches, text);
        return impl.Method.Name == nameof(TextFunctions.TextLike) ? match : Expression.Not(match);
    }

    /// <summary>
    /// btree comparison procedures (int4lt, numeric_eq, texteq, bpcharne, date_ge, ...): total
    /// functions that never raise, whatever values they are given (text compares bytes under the C
    /// collation, the only one kernels accept), so they may run on the placeholder value of a NULL.
    /// </summary>
    private static readonly System.Text.RegularExpressions.Regex ComparisonName = new(
        "^(int[248]{1,2}|float[48]{1,2}|numeric_|text|bpchar|name|bytea|bool|oid|uuid_|date_|time_|timetz_|timestamp_|timestamptz_|interval_)(eq|ne|lt|le|gt|ge)$",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static bool IsTotalComparison(FunctionImpl impl) => !impl.NeedsContext && ComparisonName.IsMatch(impl.Name);

    /// <summary>
    /// An expression that reads only locals, constants and input columns at the current row, and
    /// computes nothing that can raise or cost much: evaluating it again, or for a row whose input
    /// is NULL, is harmless.
    /// </summary>
    private static bool IsPure(Expression e) => e switch
    {
        ConstantExpression or ParameterExpression or DefaultExpression => true,
        BinaryExpression { NodeType: ExpressionType.ArrayIndex } b => b.Left is ParameterExpression && IsPure(b.Right),
        BinaryExpression { NodeType: ExpressionType.Multiply, Method: { } m } b when m.DeclaringType == typeof(Int128) && m.Name == "op_Multiply" => IsPure(b.Left) && IsPure(b.Right),
        BinaryExpression { NodeType: ExpressionType.Equal or ExpressionType.NotEqual or ExpressionType.LessThan or ExpressionType.LessThanOrEqual
            or ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual } b => IsPure(b.Left) && IsPure(b.Right),
        UnaryExpression { NodeType: ExpressionType.Convert, Method: null } u => u.Type.IsPrimitive && u.Operand.Type.IsPrimitive && IsPure(u.Operand),
        MethodCallExpression { Object: null } c when c.Method.DeclaringType == typeof(KernelColumns)
            && c.Method.Name is nameof(KernelColumns.IsNull) or nameof(KernelColumns.GetText) or nameof(KernelColumns.GetNumeric) or nameof(KernelColumns.GetBit) => c.Arguments.All(IsPure),
        _ => false,
    };

    private static bool IsPure(Val v) => (v.IsNull is null || IsPure(v.IsNull)) && IsPure(v.Value);

    /// <summary>
    /// A total comparison of pure arguments, with no locals: the consumer evaluates it where it
    /// needs it (AND/OR and CASE test the null flag first). Fewer locals and statements make
    /// smaller kernels that RyuJIT compiles faster.
    /// </summary>
    private Val Inline(Expression? anyNull, Expression compute)
    {
        if (anyNull is ConstantExpression { Value: true }) return new Val(anyNull, Expression.Constant(false));
        totalTests.Add(compute);
        return new Val(anyNull, compute);
    }

    /// <summary>The inlined total comparisons (by reference): they may be evaluated anywhere without effect.</summary>
    private readonly HashSet<Expression> totalTests = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Argument <paramref name="index"/> of <paramref name="impl"/> as its parameter's type:
    /// unchanged, or a primitive widening (int2 -> int4 -> int8, float4 -> float8).
    /// </summary>
    private static Expression Argument(FunctionImpl impl, int index, Expression value, BoundExpr source)
    {
        var want = impl.Method.GetParameters()[index + (impl.NeedsContext ? 1 : 0)].ParameterType;
        if (value.Type == want) return value;
        if (value.Type.IsPrimitive && want.IsPrimitive) return Expression.Convert(value, want);
        throw new UnsupportedException($"function {impl.Oid} ({impl.Name}) on {source.Type} is not supported");
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
