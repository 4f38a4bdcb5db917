using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// Quantified comparisons x op ALL (sub) and x op ANY (sub) with op other than = ANY (which is IN,
// QueryBinder.Marks). Inside an expression, and for an uncorrelated subquery as a WHERE conjunct,
// they are decided by four aggregates of the subquery's output y per correlation key: whether it
// has rows, whether a y is NULL, min(y) and max(y). For a btree comparison, x < y holds for some y
// exactly when x < max(y), and for every y exactly when x < min(y) (likewise for the others), so:
//   x op ANY (sub) = CASE WHEN sub is empty THEN false WHEN x op (the bound) THEN true
//                         WHEN x IS NULL OR sub has a NULL THEN NULL ELSE false END
//   x op ALL (sub) = CASE WHEN sub is empty THEN true WHEN NOT x op (the bound) THEN false
//                         WHEN x IS NULL OR sub has a NULL THEN NULL ELSE true END
// which is PostgreSQL's rule: the result is decided by a true (ANY) or false (ALL) comparison,
// NULL when undecided and some comparison was NULL. When all y are NULL, min and max are NULL and
// the comparison with them is NULL, so the NULL branch decides. A correlated one as a WHERE
// conjunct is a semi or anti join whose condition holds the comparison (QueryBinder.Subqueries).
public sealed partial class QueryBinder
{
    private const int AllSubLink = 1;

    /// <summary>The operator name (pg_operator.oprname) of an ANY/ALL SubLink's test, null when the test is not one operator.</summary>
    private string? QuantifiedOperator(QueryTreeNode link)
    {
        if (link.Optional("testexpr") is not { Kind: "OPEXPR" } test) return null;
        return _envelope.Catalog.Operators.TryGetValue(test.UInt32("opno"), out var op) ? op.Name : null;
    }

    /// <summary>Whether min and max decide x op ANY/ALL: every ordering operator, &lt;&gt; ANY and = ALL.</summary>
    /// <summary>The negator (pg_operator.oprnegate) of an ANY/ALL SubLink's test operator, when the catalog has it.</summary>
    private CatalogOperator? NegatedTest(QueryTreeNode link)
    {
        if (link.Optional("testexpr") is not { Kind: "OPEXPR" } test) return null;
        var ops = _envelope.Catalog.Operators;
        return ops.TryGetValue(test.UInt32("opno"), out var op) && op.Negator != 0 && ops.TryGetValue(op.Negator, out var negator)
            && _envelope.Catalog.Functions.ContainsKey(negator.FuncId) ? negator : null;
    }

    private static bool MinMaxDecides(bool all, string? op) => op is "<" or "<=" or ">" or ">=" || op == (all ? "=" : "<>");

    private static string Mirror(string op) => op switch
    {
        "<" => ">",
        "<=" => ">=",
        ">" => "<",
        ">=" => "<=",
        _ => op,
    };

    private BoundExpr BindQuantified(QueryTreeNode link, ExpressionBinder outer, List<SubqueryJoin> scalars)
    {
        bool all = link.Int32("subLinkType") == AllSubLink;
        string? op = QuantifiedOperator(link);
        string what = $"{op ?? "(non-operator test)"} {(all ? "ALL" : "ANY")} subquery";
        // x <> ALL (sub) is NOT (x = ANY (sub)) in three-valued logic (a conjunction of negations is
        // the negated disjunction): the IN mark with the test's negator (the hook sends it).
        if (all && !MinMaxDecides(all, op) && NegatedTest(link) is { } negated && negated.Name == "=")
            return new BoundBoolExpr(BoolOp.Not, [BindMark(link, outer, scalars, negated)]);
        if (!MinMaxDecides(all, op))
            throw UnsupportedConstructException.NotYet($"{what} inside an expression (only <, <=, >, >=, <> ANY and = ALL are decided by min and max)");
        var body = BindSubqueryBody(link.Field("subselect"), outer, what);
        if (body.Outputs.Count != 1) throw UnsupportedConstructException.NotYet($"{what} with {body.Outputs.Count} columns");
        var test = BindSubLinkTest(link, outer, body.Outputs[0]);
        var produced = ColumnIds.Of(body.Plan.Output);
        bool Inner(BoundExpr e) => e.ReferencedColumns().Any() && e.ReferencedColumns().All(c => produced.Contains(c.Id));
        bool Outer(BoundExpr e) => e.ReferencedColumns().All(c => !produced.Contains(c.Id));
        if (test is not BoundFuncCall { Args: [var a, var b] } cmp || !(Inner(a) && Outer(b) || Inner(b) && Outer(a)))
            throw UnsupportedConstructException.NotYet($"{what} whose test is not a comparison of an outer expression with the subquery's output");
        bool innerFirst = Inner(a);
        var (x, y) = innerFirst ? (b, a) : (a, b);
        string side = innerFirst ? Mirror(op!) : op!; // the operator as x op y
        if (MinMaxOids(y.Type) is not { } oids)
            throw UnsupportedConstructException.NotYet($"{what} over type {TypeLabel(y.Type.Oid)} (no min/max)");

        var keys = Keys(body);
        var nonEmpty = BoolOr("nonempty", new BoundConst(true, PgType.Bool));
        var hasNull = BoolOr("hasnull", new BoundNullTest(y, IsNotNull: false));
        var min = new NamedAggregate(_ids.New("min", y.Type), new BoundAggregate(oids.Min, "min", [y], false, null, y.Type));
        var max = new NamedAggregate(_ids.New("max", y.Type), new BoundAggregate(oids.Max, "max", [y], false, null, y.Type));
        var right = new LogicalAggregate(body.Plan, keys, [nonEmpty, hasNull, min, max]);
        VerifyColumns(right, $"{what} that reads the outer query outside its WHERE equalities");
        scalars.Add(CorrelatedJoin(right, body, keys, what));

        BoundExpr Compare(NamedAggregate bound)
        {
            BoundExpr v = new LogicalColumnRef(bound.Column);
            return cmp with { Args = innerFirst ? [v, x] : [x, v] };
        }
        BoundExpr Not(BoundExpr e) => new BoundBoolExpr(BoolOp.Not, [e]);
        BoundExpr decided = (all, side) switch
        {
            (false, "<" or "<=") => Compare(max),
            (false, ">" or ">=") => Compare(min),
            (false, _) => new BoundBoolExpr(BoolOp.Or, [Compare(min), Compare(max)]), // <> ANY: some y differs from x
            (true, "<" or "<=") => Not(Compare(min)),
            (true, ">" or ">=") => Not(Compare(max)),
            (true, _) => Not(new BoundBoolExpr(BoolOp.And, [Compare(min), Compare(max)])), // = ALL fails when some y differs
        };
        var empty = new BoundNullTest(new LogicalColumnRef(nonEmpty.Column), IsNotNull: false);
        var unknown = new BoundBoolExpr(BoolOp.Or, [new BoundNullTest(x, IsNotNull: false), new LogicalColumnRef(hasNull.Column)]);
        return new BoundCase(
        [
            (empty, new BoundConst(all, PgType.Bool)),
            (decided, new BoundConst(!all, PgType.Bool)),
            (unknown, new BoundConst(null, PgType.Bool)),
        ], new BoundConst(all, PgType.Bool), PgType.Bool);
    }

    /// <summary>
    /// A SubLink's testexpr with its PARAM (the subquery's first output) replaced by <paramref name="output"/>,
    /// bound by the outer query's binder (the subquery's params of an enclosing SubLink are kept).
    /// </summary>
    private static BoundExpr BindSubLinkTest(QueryTreeNode link, ExpressionBinder outer, BoundExpr output)
    {
        var saved = new Dictionary<int, BoundExpr>(outer.SubLinkParams);
        outer.SubLinkParams.Clear();
        outer.SubLinkParams[1] = output;
        try
        {
            var test = outer.Bind(link.Field("testexpr"));
            if (test.Type.Oid != PgTypeOid.Bool) throw link.Field("testexpr").Error($"ANY/ALL test of type {test.Type}");
            return test;
        }
        finally
        {
            outer.SubLinkParams.Clear();
            foreach (var (k, v) in saved) outer.SubLinkParams[k] = v;
        }
    }

    /// <summary>pg_aggregate OIDs of min and max for a type the engine's min/max accumulators handle.</summary>
    private static (uint Min, uint Max)? MinMaxOids(PgType type) => type.Oid switch
    {
        PgTypeOid.Int8 => (2131, 2115),
        PgTypeOid.Int4 => (2132, 2116),
        PgTypeOid.Int2 => (2133, 2117),
        PgTypeOid.Oid => (2134, 2118),
        PgTypeOid.Float4 => (2135, 2119),
        PgTypeOid.Float8 => (2136, 2120),
        PgTypeOid.Date => (2138, 2122),
        PgTypeOid.Time => (2139, 2123),
        PgTypeOid.Timestamp => (2142, 2126),
        PgTypeOid.Timestamptz => (2143, 2127),
        PgTypeOid.Text or PgTypeOid.Varchar => (2145, 2129),
        PgTypeOid.Numeric => (2146, 2130),
        PgTypeOid.Bpchar => (2245, 2244),
        _ => null,
    };

    /// <summary>
    /// The join condition of a correlated ALL or non-equality ANY as a WHERE conjunct (under at most one NOT):
    /// a semi join needs a row where the test holds (ANY) or is false (NOT ALL); an anti join
    /// rejects the outer row on a row where the test is not false (NOT ANY) or not true (ALL).
    /// </summary>
    private static (LogicalJoinType Kind, BoundExpr Condition) QuantifiedJoin(bool all, bool negated, BoundExpr test)
    {
        BoundExpr Not(BoundExpr e) => new BoundBoolExpr(BoolOp.Not, [e]);
        var yes = new BoundConst(true, PgType.Bool);
        return (all, negated) switch
        {
            (false, false) => (LogicalJoinType.Semi, test),
            (false, true) => (LogicalJoinType.Anti, new BoundCoalesce([test, yes], PgType.Bool)),
            (true, false) => (LogicalJoinType.Anti, new BoundCoalesce([Not(test), yes], PgType.Bool)),
            (true, true) => (LogicalJoinType.Semi, Not(test)),
        };
    }
}
