using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

/// <summary>
/// Binds the expression nodes of one query level (PostgreSQL 15 primnodes.h names) to
/// <see cref="BoundExpr"/>s over logical columns. Aggregates are allowed only when an
/// <see cref="AggregateCollector"/> is given (target list, HAVING).
/// </summary>
public sealed partial class ExpressionBinder(QueryCatalog catalog, BindScope scope)
{
    // The value a CaseTestExpr stands for: the operand of the innermost simple CASE being bound.
    private readonly Stack<BoundExpr> _caseOperands = new();

    public QueryCatalog Catalog => catalog;

    /// <summary>What this query level's Vars mean.</summary>
    public BindScope Scope => scope;

    /// <summary>The enclosing query's binder, for Vars with varlevelsup &gt; 0 (correlated subqueries); null at the top level.</summary>
    public ExpressionBinder? Outer { get; init; }

    /// <summary>The session's output settings: how x::text prints dates, timestamps, floats and bytea (unknown: those casts are declined).</summary>
    public OutputSettings Output { get; init; } = OutputSettings.Unknown;

    /// <summary>The database's encoding and default collation: which text comparisons and case mappings the worker may compute.</summary>
    public DatabaseLocale Locale { get; init; } = DatabaseLocale.Unknown;

    /// <summary>
    /// Correlation conditions of subqueries in this level's FROM that read an enclosing query
    /// (<c>key = outer_expr</c>, QueryBinder.DerivedCorrelation): the FROM builder leaves them here
    /// and the level's binder adds them to its WHERE, where they decorrelate like its own conjuncts.
    /// </summary>
    public List<BoundExpr> LiftedCorrelations { get; } = [];

    /// <summary>Binds a SubLink met inside an expression (scalar subqueries); null: every SubLink is unsupported.</summary>
    public Func<QueryTreeNode, BoundExpr>? SubLinkBinder { get; set; }

    /// <summary>Binds a SubLink inside an aggregate's arguments, ORDER BY or FILTER (joined below the aggregate); null: <see cref="SubLinkBinder"/>.</summary>
    public Func<QueryTreeNode, BoundExpr>? AggregateInputSubLinkBinder { get; set; }

    /// <summary>Binds GROUPING(...) in a grouped query's select list and HAVING (set by the query binder).</summary>
    public Func<QueryTreeNode, BoundExpr>? GroupingFuncBinder { get; set; }

    /// <summary>What PARAM_SUBLINK n of an ANY/IN test expression stands for: the subquery's n-th output.</summary>
    public Dictionary<int, BoundExpr> SubLinkParams { get; } = [];

    public BoundExpr Bind(QueryTreeNode node, AggregateCollector? aggregates = null)
    {
        string kind = node.RequireKind();
        return kind switch
        {
            "VAR" => BindVar(node),
            "CONST" => BindConst(node),
            "OPEXPR" => BindOperator(node, aggregates),
            "FUNCEXPR" => BindFunction(node, aggregates),
            "BOOLEXPR" => BindBoolExpr(node, aggregates),
            "NULLTEST" => BindNullTest(node, aggregates),
            "BOOLEANTEST" => BindBooleanTest(node, aggregates),
            "RELABELTYPE" => BindRelabel(node, aggregates),
            "CASEEXPR" => BindCase(node, aggregates),
            "CASETESTEXPR" => _caseOperands.Count > 0 ? _caseOperands.Peek() : throw node.Error("CASETESTEXPR outside a CASE"),
            "COALESCEEXPR" => BindCoalesce(node, aggregates),
            "NULLIFEXPR" => BindNullIf(node, aggregates),
            "DISTINCTEXPR" => BindDistinct(node, aggregates),
            "SCALARARRAYOPEXPR" => BindScalarArrayOp(node, aggregates),
            "AGGREF" => BindAggref(node, aggregates),
            "SUBLINK" => SubLinkBinder is { } sub ? sub(node) : throw UnsupportedConstructException.NotYet($"subquery expression (SubLink {SubLinkKind(node)})"),
            "WINDOWFUNC" => BindWindowFunc(node, aggregates),
            "PARAM" when node.Int32("paramkind") == 2 && SubLinkParams.TryGetValue(node.Int32("paramid"), out var p) => p,
            "PARAM" => throw UnsupportedConstructException.NotYet("query parameter ($n)"),
            "GROUPINGFUNC" => GroupingFuncBinder is { } g ? g(node) : throw UnsupportedConstructException.NotYet("GROUPING() outside a grouped select list or HAVING"),
            "COERCEVIAIO" => BindCoerceViaIO(node, aggregates),
            "ARRAYCOERCEEXPR" or "ARRAYEXPR" => throw UnsupportedConstructException.NotYet("array expression"),
            "MINMAXEXPR" => BindMinMax(node, aggregates),
            "ROWEXPR" or "ROWCOMPAREEXPR" => throw UnsupportedConstructException.NotYet("row expression"),
            "SQLVALUEFUNCTION" => throw UnsupportedConstructException.NotYet("SQL value function (CURRENT_DATE, CURRENT_TIMESTAMP, ...)"),
            "COLLATEEXPR" => BindCollate(node, aggregates),
            // A kind PostgreSQL may send that the binder does not know: PostgreSQL runs the query; the path says where it was.
            _ => throw UnsupportedConstructException.NotYet($"expression node {kind} (at {node.Path})"),
        };
    }

    private BoundExpr BindVar(QueryTreeNode node) => BindVar(node, node.Int32("varlevelsup"));

    private BoundExpr BindVar(QueryTreeNode node, int levelsUp)
    {
        if (levelsUp != 0)
        {
            return Outer is not null && levelsUp > 0
                ? Outer.BindVar(node, levelsUp - 1)
                : throw UnsupportedConstructException.NotYet("reference to an enclosing query's column from a place bound without it (a subquery in FROM, a set operation arm, or a sub-query with LIMIT, aggregates or grouping inside a subquery): a correlation that is not decorrelated there");
        }
        int varno = node.Int32("varno");
        int attno = node.Int32("varattno");
        if (attno == 0) throw UnsupportedConstructException.NotYet("whole-row reference");
        if (attno < 0) throw UnsupportedConstructException.NotYet($"system column (attnum {attno})");
        var rte = scope.Entry(varno, node.Field("varno"));
        if (rte.Int32("rtekind") == RteKind.Join)
        {
            var aliases = rte.List("joinaliasvars");
            if (attno > aliases.Count) throw node.Field("varattno").Error($"join has {aliases.Count} columns");
            return Bind(aliases[attno - 1]);
        }
        var column = scope.Column(varno, attno);
        var type = new PgType(node.UInt32("vartype"), node.Int32("vartypmod"));
        return type == column.Type ? new LogicalColumnRef(column) : new BoundRelabel(new LogicalColumnRef(column), CheckType(type));
    }

    private BoundConst BindConst(QueryTreeNode node)
    {
        var type = CheckType(new PgType(node.UInt32("consttype"), node.Int32("consttypmod")));
        if (node.Bool("constisnull")) return new BoundConst(null, type);
        if (!DatumDecoder.CanDecode(type.Oid)) throw UnsupportedConstructException.NotYet($"constant of type {TypeLabel(type.Oid)}");
        var value = node.Field("constvalue");
        try
        {
            var bytes = HexBytes.Parse(value.String("bytes"), PendingBytesPath);
            return new BoundConst(DatumDecoder.Decode(type, bytes, PendingValuePath), type);
        }
        catch (QueryJsonException e) when (e.JsonPath is PendingBytesPath or PendingValuePath)
        {
            throw new QueryJsonException(e.JsonPath == PendingBytesPath ? value.Path + ".bytes" : value.Path, e.Reason, e.InnerException);
        }
    }

    // Stand-ins for a constant's paths while it decodes: the path string is made only for an error
    // (a query has hundreds of constants, and two path strings each were a percent of planning).
    private const string PendingBytesPath = "\u0001constvalue.bytes";
    private const string PendingValuePath = "\u0001constvalue";

    private BoundExpr BindBoolExpr(QueryTreeNode node, AggregateCollector? aggregates)
    {
        var op = node.Field("boolop");
        // outfuncs writes BoolExprType as a word (and/or/not); accept the enum number as well.
        BoolOp boolOp = op.Element.ValueKind == System.Text.Json.JsonValueKind.Number
            ? op.Int32() switch { 0 => BoolOp.And, 1 => BoolOp.Or, 2 => BoolOp.Not, var n => throw op.Error($"boolop {n} is unknown") }
            : op.String() switch { "and" => BoolOp.And, "or" => BoolOp.Or, "not" => BoolOp.Not, var s => throw op.Error($"boolop \"{s}\" is unknown") };
        var args = BindList(node.List("args"), aggregates);
        if (boolOp == BoolOp.Not && args.Count != 1) throw node.Field("args").Error("NOT takes one argument");
        return new BoundBoolExpr(boolOp, args);
    }

    private BoundExpr BindNullTest(QueryTreeNode node, AggregateCollector? aggregates)
    {
        if (node.Bool("argisrow")) throw UnsupportedConstructException.NotYet("IS NULL on a row value");
        int testType = node.Int32("nulltesttype");
        if (testType is not (0 or 1)) throw node.Field("nulltesttype").Error($"nulltesttype {testType} is unknown");
        return new BoundNullTest(Bind(node.Field("arg"), aggregates), testType == 1);
    }

    /// <summary>IS [NOT] TRUE/FALSE/UNKNOWN as CASE and null tests, which have the same value including for NULL.</summary>
    private BoundExpr BindBooleanTest(QueryTreeNode node, AggregateCollector? aggregates)
    {
        var arg = Bind(node.Field("arg"), aggregates);
        var t = new BoundConst(true, PgType.Bool);
        var f = new BoundConst(false, PgType.Bool);
        var not = new BoundBoolExpr(BoolOp.Not, [arg]);
        return node.Int32("booltesttype") switch
        {
            0 => new BoundCase([(arg, t)], f, PgType.Bool),
            1 => new BoundCase([(arg, f)], t, PgType.Bool),
            2 => new BoundCase([(not, t)], f, PgType.Bool),
            3 => new BoundCase([(not, f)], t, PgType.Bool),
            4 => new BoundNullTest(arg, false),
            5 => new BoundNullTest(arg, true),
            var n => throw node.Field("booltesttype").Error($"booltesttype {n} is unknown"),
        };
    }

    private BoundExpr BindRelabel(QueryTreeNode node, AggregateCollector? aggregates)
    {
        var arg = Bind(node.Field("arg"), aggregates);
        var type = CheckType(new PgType(node.UInt32("resulttype"), node.Int32("resulttypmod")));
        return new BoundRelabel(arg, type);
    }

    private BoundExpr BindCase(QueryTreeNode node, AggregateCollector? aggregates)
    {
        var type = CheckType(new PgType(node.UInt32("casetype")));
        var operand = node.Optional("arg") is { } a ? Bind(a, aggregates) : null;
        if (operand is not null) _caseOperands.Push(operand);
        try
        {
            var branches = new List<(BoundExpr When, BoundExpr Then)>();
            foreach (var w in node.List("args"))
            {
                if (w.RequireKind() != "CASEWHEN") throw w.Error($"expected CASEWHEN, found {w.Kind}");
                branches.Add((Bind(w.Field("expr"), aggregates), Bind(w.Field("result"), aggregates)));
            }
            var defresult = node.Optional("defresult") is { } d ? Bind(d, aggregates) : null;
            return new BoundCase(branches, defresult, type);
        }
        finally
        {
            if (operand is not null) _caseOperands.Pop();
        }
    }

    private BoundExpr BindCoalesce(QueryTreeNode node, AggregateCollector? aggregates) =>
        new BoundCoalesce(BindList(node.List("args"), aggregates), CheckType(new PgType(node.UInt32("coalescetype"))));

    private List<BoundExpr> BindList(IReadOnlyList<QueryTreeNode> nodes, AggregateCollector? aggregates)
    {
        var list = new List<BoundExpr>(nodes.Count);
        foreach (var n in nodes) list.Add(Bind(n, aggregates));
        return list;
    }

    /// <summary>Rejects types outside PgArrowMapping, naming the type.</summary>
    public PgType CheckType(PgType type) =>
        SupportedTypes.IsSupported(type.Oid) ? type : throw UnsupportedConstructException.NotYet($"type {TypeLabel(type.Oid)}");

    public string TypeLabel(uint oid) => catalog.Types.TryGetValue(oid, out var t) ? $"{t.Name} (OID {oid})" : $"{PgTypeNames.Format(new PgType(oid))} (OID {oid})";

    public string FunctionLabel(uint oid) => catalog.FunctionName(oid) is { } n ? $"{n} (OID {oid})" : $"OID {oid}";

    public static string SubLinkKind(QueryTreeNode node) => node.Optional("subLinkType")?.Int32() switch
    {
        0 => "EXISTS",
        1 => "ALL",
        2 => "ANY/IN",
        3 => "ROWCOMPARE",
        4 => "EXPR (scalar subquery)",
        5 => "MULTIEXPR",
        6 => "ARRAY",
        7 => "CTE",
        var k => k?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?",
    };
}
