using System.Linq.Expressions;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// "expr IS TRUE" for a consumer that only asks whether a boolean is true (a WHERE conjunct, a
/// join residual, a CASE WHEN condition): one short-circuit boolean expression without locals or
/// statements, instead of the general three-valued form that keeps a null flag and a value per
/// AND/OR node in locals (Q19's OR of three AND arms had 60 boolean locals per kernel, and RyuJIT's
/// time grows with them).
/// </summary>
public sealed partial class ExprCompiler
{
    /// <summary>
    /// "<paramref name="expr"/> IS TRUE" as one side-effect-free expression, or null when expr is
    /// not an AND/OR/NOT tree of pure tests (a leaf that needs statements, or may raise).
    /// <para>
    /// Exact under three-valued logic: IS TRUE of AND is the AND of its arguments' IS TRUE, IS TRUE
    /// of OR the OR of theirs; NOT swaps IS TRUE and IS FALSE (IS FALSE of AND is the OR of IS FALSE,
    /// of OR the AND); a leaf is TRUE when not NULL and true, FALSE when not NULL and false. The
    /// general form continues past a NULL argument of AND where this one stops; the leaves are total
    /// comparisons of pure operands (they cannot raise), so which of them run is not observable.
    /// </para>
    /// </summary>
    public Expression? TryEmitTruth(BoundExpr expr) => Truth(expr, wantTrue: true, new HashSet<Expression>(ReferenceEqualityComparer.Instance));

    /// <param name="notNull">
    /// Null bitmaps of input columns known not NULL at this row wherever the expression is evaluated:
    /// a leaf that is true or false read them as not NULL, and AND's later arguments run only after
    /// the earlier ones held (Q19's arms test l_quantity's null flag once instead of twice).
    /// </param>
    private Expression? Truth(BoundExpr expr, bool wantTrue, HashSet<Expression> notNull)
    {
        switch (expr)
        {
            case BoundBoolExpr { Op: BoolOp.Not } not:
                return Truth(not.Args[0], !wantTrue, notNull);
            case BoundBoolExpr b when ConstantInList(b) is { } list:
                return ConstantInListTruth(b, list, wantTrue, notNull);
            case BoundBoolExpr b when InListScalar(b) is null:
            {
                // IS TRUE of AND and IS FALSE of OR need every argument; the other two need one
                bool all = (b.Op == BoolOp.And) == wantTrue;
                Expression? chain = null;
                foreach (var a in b.Args)
                {
                    // an argument of the any-chain runs after the earlier ones failed: only the outer facts hold
                    if (Truth(a, wantTrue, all ? notNull : new HashSet<Expression>(notNull, ReferenceEqualityComparer.Instance)) is not { } part) return null;
                    chain = chain is null ? part : all ? Expression.AndAlso(chain, part) : Expression.OrElse(chain, part);
                }
                return chain ?? Expression.Constant(all);
            }
            case BoundNullTest t:
            {
                if (PureLeaf(t.Arg) is not { } v) return null;
                // IS [NOT] NULL is never NULL: IS FALSE is its negation
                Expression isNull = Known(v.IsNull, notNull, record: false) ?? Expression.Constant(false);
                return t.IsNotNull == wantTrue ? Expression.Not(isNull) : isNull;
            }
            case BoundBoolExpr:
                return null;
            default:
            {
                if (expr.Type.Oid != PgTypeOid.Bool || PureLeaf(expr) is not { } v || v.Value.Type != typeof(bool)) return null;
                Expression test = wantTrue ? v.Value : Expression.Not(v.Value);
                return Known(v.IsNull, notNull, record: true) is { } isNull ? Expression.AndAlso(Expression.Not(isNull), test) : test;
            }
        }
    }

    /// <summary>The value of a leaf when computing it needs no statements and cannot raise, else null.</summary>
    private Val? PureLeaf(BoundExpr expr)
    {
        if (evaluated.TryGetValue(expr, out var known)) return PureTest(known) ? known : null;
        var statements = new List<Expression>();
        var v = Emit(expr, statements);
        return statements.Count == 0 && PureTest(v) ? v : null;
    }

    private bool PureTest(Val v) => (v.IsNull is null || PureBool(v.IsNull)) && PureBool(v.Value);

    private bool PureBool(Expression e) => e switch
    {
        _ when IsPure(e) || totalTests.Contains(e) => true,
        UnaryExpression { NodeType: ExpressionType.Not } u => PureBool(u.Operand),
        BinaryExpression { NodeType: ExpressionType.OrElse or ExpressionType.AndAlso } b => PureBool(b.Left) && PureBool(b.Right),
        _ => false,
    };

    /// <summary>
    /// A constant IN list (x = ANY (...), x &lt;&gt; ALL (...)) of a total comparison over a pure
    /// scalar: the scalar's null test and the element chain (or the text set) inline.
    /// </summary>
    private Expression? ConstantInListTruth(BoundBoolExpr b, (Functions.FunctionImpl Impl, BoundExpr Scalar) list, bool wantTrue, HashSet<Expression> notNull)
    {
        if (!IsTotalComparison(list.Impl) || PureLeaf(list.Scalar) is not { } v) return null;
        Expression scalar = Argument(list.Impl, 0, v.Value, list.Scalar);
        Expression? chain = TextSetTest(b, list.Impl, scalar);
        foreach (var a in chain is null ? b.Args : [])
        {
            var element = ((BoundFuncCall)a).Args[1];
            Expression test = Expression.Call(list.Impl.Method, scalar, Argument(list.Impl, 1, EmitConst((BoundConst)element).Value, element));
            chain = chain is null ? test : b.Op == BoolOp.And ? Expression.AndAlso(chain, test) : Expression.OrElse(chain, test);
        }
        // no element is NULL and the test returns a plain bool: the list is NULL only when the scalar is
        if (v.IsNull is ConstantExpression { Value: true }) return Expression.Constant(false);
        Expression result = wantTrue ? chain! : Expression.Not(chain!);
        return Known(v.IsNull, notNull, record: true) is { } isNull ? Expression.AndAlso(Expression.Not(isNull), result) : result;
    }

    /// <summary>
    /// A leaf's null flag without the column null tests <paramref name="notNull"/> already rules
    /// out (null when nothing is left); with <paramref name="record"/>, the remaining column tests
    /// join the set (a leaf that holds read them as not NULL).
    /// </summary>
    private static Expression? Known(Expression? isNull, HashSet<Expression> notNull, bool record)
    {
        switch (isNull)
        {
            case null:
                return null;
            case BinaryExpression { NodeType: ExpressionType.OrElse } or:
            {
                var left = Known(or.Left, notNull, record);
                var right = Known(or.Right, notNull, record);
                return left is null ? right : right is null ? left : Expression.OrElse(left, right);
            }
            case MethodCallExpression { Method.Name: nameof(KernelColumns.IsNull) } call when call.Method.DeclaringType == typeof(KernelColumns)
                && call.Arguments[0] is ParameterExpression bitmap:
                if (notNull.Contains(bitmap)) return null;
                if (record) notNull.Add(bitmap);
                return isNull;
            default:
                return isNull;
        }
    }
}
