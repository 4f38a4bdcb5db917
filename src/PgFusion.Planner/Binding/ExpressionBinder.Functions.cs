using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// Operators, functions and aggregates: everything resolved by OID through the catalog section.
public sealed partial class ExpressionBinder
{
    private BoundExpr BindOperator(QueryTreeNode node, AggregateCollector? aggregates)
    {
        uint funcId = OperatorFunction(node);
        if (node.Bool("opretset")) throw UnsupportedConstructException.NotYet($"set-returning operator {OperatorLabel(node.UInt32("opno"))}");
        var args = BindList(node.List("args"), aggregates);
        CheckCollation(node, args, () => $"operator {OperatorLabel(node.UInt32("opno"))}", OperatorName(node.UInt32("opno")));
        if (BindAnyTextCat(funcId, args) is { } cat) return cat;
        var type = CheckType(new PgType(node.UInt32("opresulttype")));
        return BindZoned(funcId, FunctionName(funcId, node), args, type)
            ?? new BoundFuncCall(funcId, FunctionName(funcId, node), args, type) { InputCollation = args.Any(a => SupportedTypes.IsCollatable(a.Type.Oid)) ? node.Optional("inputcollid")?.UInt32() ?? 0 : 0 };
    }

    private BoundExpr BindFunction(QueryTreeNode node, AggregateCollector? aggregates)
    {
        uint funcId = node.UInt32("funcid");
        if (node.Bool("funcretset")) throw UnsupportedConstructException.NotYet($"set-returning function {FunctionLabel(funcId)}");
        if (node.Optional("funcvariadic")?.Bool() == true) throw UnsupportedConstructException.NotYet($"VARIADIC call of {FunctionLabel(funcId)}");
        var args = BindList(node.List("args"), aggregates);
        CheckCollation(node, args, () => $"function {FunctionLabel(funcId)}", catalog.FunctionName(funcId));
        if (BindAnyTextCat(funcId, args) is { } cat) return cat;
        var type = CheckType(new PgType(node.UInt32("funcresulttype")));
        return BindZoned(funcId, FunctionName(funcId, node), args, type) ?? new BoundFuncCall(funcId, FunctionName(funcId, node), args, type);
    }

    /// <summary>NULLIF(a, b) = CASE WHEN a = b THEN NULL ELSE a END (a is deterministic here, so evaluating it twice is equivalent).</summary>
    private BoundExpr BindNullIf(QueryTreeNode node, AggregateCollector? aggregates)
    {
        uint funcId = OperatorFunction(node);
        var args = BindList(node.List("args"), aggregates);
        if (args.Count != 2) throw node.Field("args").Error("NULLIF takes two arguments");
        CheckCollation(node, args, () => "NULLIF", OperatorName(node.UInt32("opno")));
        var type = CheckType(new PgType(node.UInt32("opresulttype")));
        var equal = new BoundFuncCall(funcId, FunctionName(funcId, node), args, PgType.Bool);
        return new BoundCase([(equal, new BoundConst(null, type))], args[0], type) { Origin = CaseOrigin.NullIf };
    }

    /// <summary>
    /// a IS DISTINCT FROM b = CASE WHEN a IS NULL THEN b IS NOT NULL WHEN b IS NULL THEN true ELSE NOT (a = b) END.
    /// </summary>
    private BoundExpr BindDistinct(QueryTreeNode node, AggregateCollector? aggregates)
    {
        uint funcId = OperatorFunction(node);
        var args = BindList(node.List("args"), aggregates);
        if (args.Count != 2) throw node.Field("args").Error("IS DISTINCT FROM takes two arguments");
        CheckCollation(node, args, () => "IS DISTINCT FROM", OperatorName(node.UInt32("opno")));
        return BoundCase.DistinctFrom(new BoundFuncCall(funcId, FunctionName(funcId, node), args, PgType.Bool));
    }

    /// <summary>
    /// x op ANY (ARRAY[...]) is OR over the elements and x op ALL (...) is AND: three-valued logic
    /// gives exactly ScalarArrayOpExpr's result (NULL when no element decides), and an empty
    /// array gives false / true as PostgreSQL does.
    /// </summary>
    private BoundExpr BindScalarArrayOp(QueryTreeNode node, AggregateCollector? aggregates)
    {
        uint funcId = OperatorFunction(node);
        bool useOr = node.Bool("useOr");
        var args = node.List("args");
        if (args.Count != 2) throw node.Field("args").Error("ScalarArrayOpExpr takes two arguments");
        var array = args[1];
        // varchar_col IN ('a', 'b') arrives as text = ANY (ARRAY['a', 'b']::varchar[]::text[]): an
        // ArrayCoerceExpr whose per-element expression relabels a CaseTestExpr. A relabel cannot
        // fail, so each element relabelled is exactly the coerced array's element (PostgreSQL folds
        // the coercion at plan time). A coercion that calls a function (float8 = ANY ('{1.5}'::numeric[]),
        // numeric[] to float8[] by float8(numeric)) is bound the same way over constant elements only:
        // PostgreSQL folds the coerced array at plan time, every element in order, raising the first
        // element's error before any row is read, which is what ConstantEvaluation does with the
        // per-element calls. Over elements read per row, PostgreSQL coerces the whole array before
        // comparing (an error in a later element raises even when an earlier one matches): Unsupported.
        // Coercions nest ('{abc}'::text[]::varchar(1)[]: a relabel, then the length coercion): applied innermost first.
        var elementCoercions = new List<QueryTreeNode>();
        while (array.RequireKind() == "ARRAYCOERCEEXPR")
        {
            elementCoercions.Insert(0, array.Field("elemexpr"));
            array = array.Field("arg");
        }
        if (elementCoercions.Any(c => !IsRelabelOfCaseTest(c)))
        {
            if (!IsConstantArray(array))
                throw UnsupportedConstructException.NotYet($"{(useOr ? "ANY" : "ALL")} over an array coercion that is not binary-compatible, of an array that is not constant");
            // Through text (CoerceViaIO), the input function may be stable (date_in reads DateStyle),
            // which PostgreSQL does not fold at plan time: its errors would come at another time.
            if (elementCoercions.Any(c => HasNodeKind(c.Element, "COERCEVIAIO")))
                throw UnsupportedConstructException.NotYet($"{(useOr ? "ANY" : "ALL")} over an array coercion through text");
        }
        bool constant = array.RequireKind() == "CONST";
        if (array.Kind != "ARRAYEXPR" && !constant)
            throw UnsupportedConstructException.NotYet($"{(useOr ? "ANY" : "ALL")} over a non-literal array ({array.Kind})");
        if (!constant && array.Optional("multidims")?.Bool() == true) throw UnsupportedConstructException.NotYet("multidimensional array");
        var scalar = Bind(args[0], aggregates);
        var elements = constant ? ArrayConstElements(array) : BindList(array.List("elements"), aggregates);
        foreach (var c in elementCoercions) elements = elements.Select(e => BindWithCaseOperand(c, e, aggregates)).ToList();
        string name = FunctionName(funcId, node);
        CheckCollation(node, [scalar, .. elements], () => $"operator {OperatorLabel(node.UInt32("opno"))}", OperatorName(node.UInt32("opno")));
        if (elements.Count == 0)
        {
            // ExecEvalScalarArrayOp returns false (ANY) / true (ALL) for an empty array without calling
            // the operator, but the scalar was evaluated before (its own step), and may raise
            // (`(c3)::int4 = ANY ('{}')` overflows). A constant is that value only when the scalar
            // cannot raise: a literal, or a column (costed at nothing by PostgreSQL, it runs first
            // among the quals, as a constant false does here); any other scalar runs on PostgreSQL.
            if (!CannotRaise(scalar)) throw UnsupportedConstructException.NotYet($"{(useOr ? "ANY" : "ALL")} over an empty array with a computed scalar");
            return new BoundConst(!useOr, PgType.Bool);
        }
        var tests = elements.Select(e => (BoundExpr)new BoundFuncCall(funcId, name, [scalar, e], PgType.Bool)).ToList();
        return tests.Count == 1 ? tests[0] : new BoundBoolExpr(useOr ? BoolOp.Or : BoolOp.And, tests) { FromScalarArray = true };
    }

    internal static bool HasNodeKind(QueryJsonValue e, string kind) => e.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Object => (e.TryGetProperty("node", out var k) && k.ValueKind == System.Text.Json.JsonValueKind.String && k.ValueEquals(kind))
            || e.EnumerateObject().Any(p => HasNodeKind(p.Value, kind)),
        System.Text.Json.JsonValueKind.Array => e.EnumerateArray().Any(x => HasNodeKind(x, kind)),
        _ => false,
    };

    /// <summary>An array Const, or ARRAY[...] of Consts (one dimension).</summary>
    private static bool IsConstantArray(QueryTreeNode node) =>
        node.RequireKind() == "CONST"
        || (node.Kind == "ARRAYEXPR" && node.Optional("multidims")?.Bool() != true && node.List("elements").All(e => e.RequireKind() == "CONST"));

    /// <summary>RelabelType over RelabelType ... over CaseTestExpr: a binary-compatible element coercion.</summary>
    private static bool CannotRaise(BoundExpr e) => e switch
    {
        BoundConst or BoundColumnRef or LogicalColumnRef => true,
        BoundRelabel r => CannotRaise(r.Arg),
        _ => false,
    };

    private static bool IsRelabelOfCaseTest(QueryTreeNode node)
    {
        while (node.RequireKind() == "RELABELTYPE") node = node.Field("arg");
        return node.Kind == "CASETESTEXPR";
    }

    /// <summary>Binds an expression over CaseTestExpr with <paramref name="operand"/> standing for it.</summary>
    private BoundExpr BindWithCaseOperand(QueryTreeNode node, BoundExpr operand, AggregateCollector? aggregates)
    {
        _caseOperands.Push(operand);
        try
        {
            return Bind(node, aggregates);
        }
        finally
        {
            _caseOperands.Pop();
        }
    }

    private BoundExpr BindAggref(QueryTreeNode node, AggregateCollector? aggregates)
    {
        uint aggOid = node.UInt32("aggfnoid");
        string label = FunctionLabel(aggOid);
        if (node.Int32("agglevelsup") != 0) throw UnsupportedConstructException.NotYet($"outer-level aggregate {label}");
        if (node.Field("aggkind").Char() != 'n') throw UnsupportedConstructException.NotYet($"ordered-set or hypothetical aggregate {label}");
        if (node.List("aggdirectargs").Count > 0) throw UnsupportedConstructException.NotYet($"direct arguments of aggregate {label}");
        if (aggregates is null) throw node.Error("aggregate where aggregates are not allowed");
        // A sub-query in an aggregate's arguments, ORDER BY or FILTER is computed per input row, below the aggregate.
        var saved = SubLinkBinder;
        SubLinkBinder = AggregateInputSubLinkBinder ?? SubLinkBinder;
        try
        {
            return BindAggrefInputs(node, aggOid, label, aggregates);
        }
        finally
        {
            SubLinkBinder = saved;
        }
    }

    private LogicalColumnRef BindAggrefInputs(QueryTreeNode node, uint aggOid, string label, AggregateCollector aggregates)
    {
        var args = new List<BoundExpr>();
        var sortRefs = new Dictionary<int, QueryTreeNode>();
        foreach (var tle in node.List("args"))
        {
            if (tle.RequireKind() != "TARGETENTRY") throw tle.Error($"expected TARGETENTRY, found {tle.Kind}");
            if (tle.Optional("ressortgroupref")?.Int32() is > 0 and var sortRef) sortRefs[sortRef] = tle;
            if (tle.Bool("resjunk")) continue;
            args.Add(Bind(tle.Field("expr")));
        }
        var order = BindAggregateOrder(node, sortRefs, label);
        CheckCollation(node, args, () => $"aggregate {label}");
        var filter = node.Optional("aggfilter") is { } f ? Bind(f) : null;
        var type = CheckType(new PgType(node.UInt32("aggtype")));
        var aggregate = new BoundAggregate(aggOid, FunctionName(aggOid, node), args, node.List("aggdistinct").Count > 0, filter, type, order);
        return new LogicalColumnRef(aggregates.Add(aggregate));
    }

    /// <summary>opfuncid, or the catalog's oprcode when the producer left it 0.</summary>
    private uint OperatorFunction(QueryTreeNode node)
    {
        uint funcId = node.UInt32("opfuncid");
        if (funcId != 0) return funcId;
        uint opno = node.UInt32("opno");
        return catalog.Operators.TryGetValue(opno, out var op) && op.FuncId != 0
            ? op.FuncId
            : throw node.Field("opfuncid").Error($"opfuncid is 0 and operator {opno} is not in the catalog section");
    }

    private string FunctionName(uint funcId, QueryTreeNode at) =>
        catalog.FunctionName(funcId) ?? throw new QueryJsonException("$.catalog.functions", $"function {funcId} used at {at.Path} is missing");

    private string? OperatorName(uint opno) => catalog.Operators.TryGetValue(opno, out var op) ? op.Name : null;

    private string OperatorLabel(uint opno) => catalog.Operators.TryGetValue(opno, out var op) ? $"{op.Name} (OID {opno})" : $"OID {opno}";

    /// <summary>
    /// Text work under a collation the worker does not compute as PostgreSQL does stays with
    /// PostgreSQL: comparisons under a collation that does not order by bytes (equality and LIKE
    /// excepted under the built-in collations: deterministic, they compare bytes anyway), and
    /// case mapping (upper, lower, ILIKE) under an LC_CTYPE other than C.UTF-8 (<see cref="DatabaseLocale"/>).
    /// </summary>
    private void CheckCollation(QueryTreeNode node, IReadOnlyList<BoundExpr> args, Func<string> what, string? name = null)
    {
        if (!args.Any(a => SupportedTypes.IsCollatable(a.Type.Oid))) return;
        uint collation = node.Optional("inputcollid")?.UInt32() ?? 0;
        if (name is "upper" or "lower" or "initcap" or "~~*" or "!~~*" && !Locale.MapsCaseAsCUtf8(collation))
            throw UnsupportedConstructException.NotYet($"{what()} under collation OID {collation} (case mapping only under a C.UTF-8 LC_CTYPE; database LC_CTYPE '{Locale.Ctype ?? "C.UTF-8"}', provider {Locale.Provider ?? "libc"})");
        if (name is "=" or "<>" or "~~" or "!~~")
        {
            // Bytes decide them under a deterministic collation only. The envelope does not say which
            // collations are, so only the built-in ones pass (none, "default", "C", "POSIX": always
            // deterministic); under a CREATE COLLATION ... deterministic = false column PostgreSQL
            // compares by the collation (= is case-blind under und-u-ks-level2) and raises 0A000 for LIKE.
            if (collation is 0 or DatabaseLocale.DefaultCollation or 950 or 951) return;
            throw UnsupportedConstructException.NotYet($"{what()} under collation OID {collation} (equality and LIKE only under the default, C or POSIX collation: another may be nondeterministic)");
        }
        if (!Locale.OrdersByBytes(collation))
            throw UnsupportedConstructException.NotYet($"{what()} under collation OID {collation} (only C, POSIX and a default collation that orders by bytes; database LC_COLLATE '{Locale.Collate}', provider {Locale.Provider ?? "libc"})");
    }
}
