using System.Linq.Expressions;
using PgFusion.Codegen.Functions;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Kernels;

/// <summary>Three-valued logic, IS [NOT] NULL, CASE and COALESCE.</summary>
public sealed partial class ExprCompiler
{
    private static Expression IsNullOf(Val v) => v.IsNull ?? Expression.Constant(false);

    private static Expression Block(List<Expression> statements) =>
        statements.Count == 0 ? Expression.Empty() : Expression.Block(statements);

    private Val EmitNot(BoundBoolExpr b, List<Expression> body)
    {
        var v = Emit(b.Args[0], body);
        var result = NewLocal(typeof(bool), "not");
        // the operand's value is read only when it is not NULL (an inlined comparison reads its columns)
        var assign = Expression.Assign(result, Expression.Not(v.Value));
        body.Add(v.IsNull is null ? assign : Expression.IfThen(Expression.Not(v.IsNull), assign));
        return new Val(v.IsNull, result);
    }

    /// <summary>
    /// AND: false as soon as one argument is false (later ones are not evaluated), else NULL if one
    /// was NULL, else true. OR is the mirror image.
    /// </summary>
    private Val EmitAndOr(BoundBoolExpr b, List<Expression> body)
    {
        if (ConstantInList(b) is { } list) return EmitConstantInList(b, list, body);
        if (InListScalar(b) is not { } scalar) return EmitAndOrTests(b, body);
        // x IN (...) evaluates x once per row, as PostgreSQL's ScalarArrayOpExpr does, and every
        // element test reads it (an IN list over substring(c_phone, 1, 2) computed it per element)
        var v = Emit(scalar, body);
        var value = NewLocal(v.Value.Type, "scalar");
        ParameterExpression? isNull = v.IsNull is null ? null : NewLocal(typeof(bool), "scalarNull");
        if (isNull is null)
        {
            body.Add(Expression.Assign(value, v.Value));
        }
        else
        {
            body.Add(Expression.Assign(isNull, v.IsNull!));
            body.Add(Expression.IfThen(Expression.Not(isNull), Expression.Assign(value, v.Value)));
        }
        evaluated[scalar] = new Val(isNull, value);
        try
        {
            var tests = b.Args.Select(a => (BoundExpr)(((BoundFuncCall)a) with { Args = [scalar, ((BoundFuncCall)a).Args[1]] })).ToList();
            return EmitAndOrTests(b with { Args = tests }, body);
        }
        finally
        {
            evaluated.Remove(scalar);
        }
    }

    /// <summary>
    /// The scalar of an IN list (`x op ANY (ARRAY[...])`, bound as the OR/AND of one two-argument
    /// test per element, every test reading the same scalar) and its first test, else null.
    /// </summary>
    private static (BoundFuncCall First, BoundExpr Scalar)? ListScalar(BoundBoolExpr b)
    {
        if (!b.FromScalarArray || b.Args.Count < 2 || b.Args[0] is not BoundFuncCall { Args.Count: 2 } first) return null;
        var scalar = first.Args[0];
        string? shape = null;
        foreach (var a in b.Args)
        {
            if (a is not BoundFuncCall { Args.Count: 2 } test) return null;
            if (ReferenceEquals(test.Args[0], scalar)) continue;
            shape ??= ExprShape.Of(scalar);
            if (ExprShape.Of(test.Args[0]) != shape) return null;
        }
        return (first, scalar);
    }

    /// <summary>
    /// The scalar of an IN list when it is worth computing once: not a column or a constant, and
    /// not a numeric, whose fixed-scale form a test may read instead.
    /// </summary>
    private static BoundExpr? InListScalar(BoundBoolExpr b) =>
        ListScalar(b) is { Scalar: var scalar } && scalar is not (BoundColumnRef or BoundConst) && scalar.Type.Oid != PgTypeOid.Numeric ? scalar : null;

    /// <summary>
    /// An IN list whose elements are all non-NULL constants and whose operator is one registered
    /// two-argument function returning a plain bool: its function and the scalar, else null.
    /// Numeric scalars keep the per-test form (their fixed-scale comparisons).
    /// </summary>
    private static (FunctionImpl Impl, BoundExpr Scalar)? ConstantInList(BoundBoolExpr b)
    {
        if (ListScalar(b) is not { } found) return null;
        var (first, scalar) = found;
        if (scalar.Type.Oid == PgTypeOid.Numeric || !FunctionRegistry.TryGet(first.FuncOid, out var impl) || impl.Method.ReturnType != typeof(bool)
            || impl.Method.GetParameters().Length - (impl.NeedsContext ? 1 : 0) != 2)
            return null;
        foreach (var a in b.Args)
        {
            if (a is not BoundFuncCall test || test.FuncOid != first.FuncOid || test.Args[1] is not BoundConst { Value: not null }) return null;
        }
        return (impl, scalar);
    }

    /// <summary>
    /// A constant IN list as one short-circuit chain over the scalar, computed once: NULL when the
    /// scalar is NULL (the operator is strict and the list is not empty), else the OR (ANY) or AND
    /// (ALL) of the element tests in list order, stopping at the first that decides, as
    /// ScalarArrayOpExpr does. No element is NULL and the operator returns a plain bool, so no test
    /// yields NULL and the chain needs no null flags. Two locals instead of two per element keeps
    /// the kernel small for RyuJIT (Q19's p_container lists, Q22's country codes).
    /// </summary>
    private Val EmitConstantInList(BoundBoolExpr b, (FunctionImpl Impl, BoundExpr Scalar) list, List<Expression> body)
    {
        var v = Emit(list.Scalar, body);
        var value = v.Value is ParameterExpression or ConstantExpression ? null : NewLocal(v.Value.Type, "scalar");
        Expression scalar = Argument(list.Impl, 0, value ?? v.Value, list.Scalar);
        Expression? chain = TextSetTest(b, list.Impl, scalar);
        foreach (var a in chain is null ? b.Args : [])
        {
            var element = ((BoundFuncCall)a).Args[1];
            var args = new List<Expression>();
            if (list.Impl.NeedsContext) args.Add(Context);
            args.Add(scalar);
            args.Add(Argument(list.Impl, 1, EmitConst((BoundConst)element).Value, element));
            Expression test = ConstantLike(list.Impl, args, [list.Scalar, element]) ?? Expression.Call(list.Impl.Method, args);
            chain = chain is null ? test : b.Op == BoolOp.And ? Expression.AndAlso(chain, test) : Expression.OrElse(chain, test);
        }
        var result = NewLocal(typeof(bool), "in");
        var evaluate = new List<Expression>();
        if (value is not null) evaluate.Add(Expression.Assign(value, v.Value));
        evaluate.Add(Expression.Assign(result, chain!));
        if (v.IsNull is null)
        {
            body.AddRange(evaluate);
            return new Val(null, result);
        }
        if (v.IsNull is ConstantExpression { Value: true }) return new Val(Expression.Constant(true), Expression.Constant(false));
        var isNull = NewLocal(typeof(bool), "inNull");
        body.Add(Expression.Assign(isNull, v.IsNull));
        body.Add(Expression.IfThen(Expression.Not(isNull), Block(evaluate)));
        return new Val(isNull, result);
    }

    private static readonly System.Reflection.MethodInfo TextSetContains = typeof(Values.ConstantTextSet).GetMethod(nameof(Values.ConstantTextSet.Contains))!;

    /// <summary>
    /// A constant text/bpchar list under texteq or bpchareq (IN) or textne or bpcharne (NOT IN) as
    /// one ConstantTextSet test, else null (the per-element chain).
    /// </summary>
    private static Expression? TextSetTest(BoundBoolExpr b, FunctionImpl impl, Expression scalar)
    {
        if (impl.NeedsContext || impl.Method.DeclaringType != typeof(TextFunctions) || scalar.Type != typeof(Values.TextRef)) return null;
        bool? bpchar = (impl.Method.Name, b.Op) switch
        {
            (nameof(TextFunctions.TextEq), BoolOp.Or) or (nameof(TextFunctions.TextNe), BoolOp.And) => false,
            (nameof(TextFunctions.BpcharEq), BoolOp.Or) or (nameof(TextFunctions.BpcharNe), BoolOp.And) => true,
            _ => null,
        };
        if (bpchar is null) return null;
        var elements = new string[b.Args.Count];
        for (int i = 0; i < elements.Length; i++)
        {
            if (((BoundFuncCall)b.Args[i]).Args[1] is not BoundConst { Value: string s }) return null;
            elements[i] = s;
        }
        Expression test = Expression.Call(Expression.Constant(new Values.ConstantTextSet(bpchar.Value, elements)), TextSetContains, scalar);
        return b.Op == BoolOp.And ? Expression.Not(test) : test;
    }

    private Val EmitAndOrTests(BoundBoolExpr b, List<Expression> body)
    {
        bool isAnd = b.Op == BoolOp.And;
        var resNull = NewLocal(typeof(bool), isAnd ? "andNull" : "orNull");
        var resVal = NewLocal(typeof(bool), isAnd ? "and" : "or");
        body.Add(Expression.Assign(resNull, Expression.Constant(false)));
        body.Add(EmitAndOrFrom(b.Args, 0, isAnd, resNull, resVal));
        return new Val(resNull, resVal);
    }

    private Expression EmitAndOrFrom(IReadOnlyList<BoundExpr> args, int index, bool isAnd, ParameterExpression resNull, ParameterExpression resVal)
    {
        if (index == args.Count)
        {
            // No argument decided: the result is NULL if one was NULL, else true for AND / false for OR.
            return Expression.Assign(resVal, Expression.Constant(isAnd));
        }
        var stmts = new List<Expression>();
        var v = Emit(args[index], stmts);
        Expression decides = isAnd ? Expression.Not(v.Value) : v.Value;
        if (v.IsNull is not null) decides = Expression.AndAlso(Expression.Not(v.IsNull), decides);
        var rest = new List<Expression>();
        if (v.IsNull is not null) rest.Add(Expression.OrAssign(resNull, v.IsNull));
        rest.Add(EmitAndOrFrom(args, index + 1, isAnd, resNull, resVal));
        stmts.Add(Expression.IfThenElse(decides,
            Expression.Block(Expression.Assign(resNull, Expression.Constant(false)), Expression.Assign(resVal, Expression.Constant(!isAnd))),
            Block(rest)));
        return Block(stmts);
    }

    private Val EmitNullTest(BoundNullTest t, List<Expression> body)
    {
        var v = Emit(t.Arg, body);
        if (v.IsNull is null) return new Val(null, Expression.Constant(t.IsNotNull));
        var result = NewLocal(typeof(bool), "isnull");
        body.Add(Expression.Assign(result, t.IsNotNull ? Expression.Not(v.IsNull) : v.IsNull));
        return new Val(null, result);
    }

    private Val EmitCase(BoundCase c, List<Expression> body)
    {
        var clr = KernelTypes.Require(c.Type);
        var resNull = NewLocal(typeof(bool), "caseNull");
        var resVal = NewLocal(clr, "case");
        body.Add(EmitCaseFrom(c, 0, resNull, resVal));
        return new Val(resNull, resVal);
    }

    private Expression EmitCaseFrom(BoundCase c, int index, ParameterExpression resNull, ParameterExpression resVal)
    {
        if (index == c.Branches.Count) return AssignResult(c.Else, resNull, resVal);
        if (TryEmitTruth(c.Branches[index].When) is { } truth)
            return Expression.IfThenElse(truth, AssignResult(c.Branches[index].Then, resNull, resVal), EmitCaseFrom(c, index + 1, resNull, resVal));
        var stmts = new List<Expression>();
        var cond = Emit(c.Branches[index].When, stmts);
        Expression taken = cond.IsNull is null ? cond.Value : Expression.AndAlso(Expression.Not(cond.IsNull), cond.Value);
        stmts.Add(Expression.IfThenElse(taken, AssignResult(c.Branches[index].Then, resNull, resVal), EmitCaseFrom(c, index + 1, resNull, resVal)));
        return Block(stmts);
    }

    private Expression AssignResult(BoundExpr? expr, ParameterExpression resNull, ParameterExpression resVal)
    {
        if (expr is null) return Expression.Assign(resNull, Expression.Constant(true));
        var stmts = new List<Expression>();
        var v = Emit(expr, stmts);
        var value = v.Value.Type == resVal.Type ? v.Value : ConvertCompatible(v.Value, resVal.Type, expr.Type);
        stmts.Add(Expression.Assign(resNull, IsNullOf(v)));
        stmts.Add(v.IsNull is null ? Expression.Assign(resVal, value) : Expression.IfThen(Expression.Not(resNull), Expression.Assign(resVal, value)));
        return Block(stmts);
    }

    private Val EmitCoalesce(BoundCoalesce c, List<Expression> body)
    {
        var clr = KernelTypes.Require(c.Type);
        var resNull = NewLocal(typeof(bool), "coalesceNull");
        var resVal = NewLocal(clr, "coalesce");
        body.Add(EmitCoalesceFrom(c, 0, resNull, resVal));
        return new Val(resNull, resVal);
    }

    private Expression EmitCoalesceFrom(BoundCoalesce c, int index, ParameterExpression resNull, ParameterExpression resVal)
    {
        if (index == c.Args.Count) return Expression.Assign(resNull, Expression.Constant(true));
        var stmts = new List<Expression>();
        var v = Emit(c.Args[index], stmts);
        var value = v.Value.Type == resVal.Type ? v.Value : ConvertCompatible(v.Value, resVal.Type, c.Type);
        var found = Expression.Block(Expression.Assign(resNull, Expression.Constant(false)), Expression.Assign(resVal, value));
        if (v.IsNull is null) stmts.Add(found);
        else stmts.Add(Expression.IfThenElse(Expression.Not(v.IsNull), found, EmitCoalesceFrom(c, index + 1, resNull, resVal)));
        return Block(stmts);
    }
}
