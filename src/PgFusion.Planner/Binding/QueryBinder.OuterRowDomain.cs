using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// A sub-query correlated by equalities (b.id = a.id) is decorrelated by grouping its rows by the
// inner side of the equalities: it computes the groups of every key of its own rows, while
// PostgreSQL runs it once per outer row that reaches it (after the enclosing WHERE), testing the
// cheap correlation qual `b.id = $1` before its costlier quals. Whatever can raise in it (a qual,
// an aggregate's argument or transition, the select list over the groups) then raises for keys no
// outer row carries (seed 443 case 1799: `b.id = a.id AND -b.c7 > b.c7 * b.c7` overflows float4 on
// a row of b whose row of a `WHERE a.c9` drops). Such a sub-query goes through the domain of its
// outer columns instead (QueryBinder.Domain), as the other correlations do: it is joined to the
// DISTINCT outer values and its quals are ordered around the correlation as PostgreSQL orders them
// (PredicatePushdown.DomainJoinCondition).
//
// The domain is a second scan of the outer table; filtered by the enclosing WHERE's conjuncts that
// read that table only and cannot raise (PostgreSQL tests those in the table's scan, before the
// sub-query runs), it holds the values of the outer rows that reach the sub-query, no more. An
// outer row whose value it lacks gets the sub-query over no rows from the join back, but that row
// fails the same conjuncts and is removed by the WHERE (a row null-extended by an outer join has
// the sub-query's columns null-extended too). Conjuncts that can raise stay out: evaluated in the
// domain's scan, one could raise where PostgreSQL, reading another relation first, never tests it.
public sealed partial class QueryBinder
{
    /// <summary>
    /// Whether a sub-query level evaluates anything that can raise, in <paramref name="exprs"/> (its
    /// WHERE conjuncts, select list, HAVING, grouping keys) or its aggregates (arguments, FILTER,
    /// ORDER BY, and the transition itself: float sums overflow, a scalar sub-query's single value
    /// raises 21000 for a second row).
    /// </summary>
    private bool MayRaise(IEnumerable<BoundExpr> exprs, IEnumerable<NamedAggregate>? aggregates)
    {
        bool cannotRaise(BoundExpr e) => PredicatePushdown.CannotRaise(WithoutConstantParts(e), IsComparisonFunction);
        if (!exprs.All(cannotRaise)) return true;
        foreach (var a in (aggregates ?? []).Select(a => a.Aggregate))
        {
            if (!AggregateTransitionCannotRaise(a)) return true;
            if (!a.Args.All(cannotRaise) || a.Filter is { } f && !cannotRaise(f) || a.OrderBy is { } o && !o.All(k => cannotRaise(k.Expr))) return true;
        }
        return false;
    }

    /// <summary>
    /// The expression with each part that reads no column as a NULL constant: such a part (TPC-H
    /// Q20's date '1994-01-01' + interval '1 year') is folded while planning, once, whatever rows
    /// the sub-query sees, so it cannot raise for some keys only.
    /// </summary>
    private static BoundExpr WithoutConstantParts(BoundExpr e) =>
        e.TransformUp(x => x is not BoundConst && !x.ReferencedColumns().Any() ? new BoundConst(null, x.Type) : x);

    /// <summary>Aggregates that raise for no input: count, min, max, bool_and/bool_or, string_agg, and sum/avg over integers and numeric (their running values are int8 or numeric, which do not overflow).</summary>
    private static bool AggregateTransitionCannotRaise(BoundAggregate a) => a.AggOid switch
    {
        BoundAggregate.FirstValueOid or BoundAggregate.AnyValueOid => true,
        BoundAggregate.SingleValueOid => false,
        _ => a.Name switch
        {
            "count" or "min" or "max" or "bool_and" or "bool_or" or "every" or "string_agg" or "array_agg" => true,
            "sum" or "avg" => a.Args is [var x] && x.Type.Oid is PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8 or PgTypeOid.Numeric,
            _ => false,
        },
    };

    private bool IsComparisonFunction(uint funcOid) =>
        _envelope.Catalog.OperatorOfFunction(funcOid) is { Name: "=" or "<>" or "<" or "<=" or ">" or ">=" };

    /// <summary>
    /// The domain's source for table <paramref name="rti"/> of the enclosing query: a scan of it that
    /// reads <paramref name="attnums"/> (the columns returned, in that order), filtered by the
    /// enclosing WHERE's conjuncts over that table alone that cannot raise.
    /// </summary>
    private (LogicalPlan Source, List<LogicalColumn> Columns) OuterRowsOf(ExpressionBinder outer, int rti, IReadOnlyList<int> attnums)
    {
        var rangeTable = outer.Scope.RangeTable;
        var rte = rangeTable[rti - 1];
        var scope = new BindScope(rangeTable, (r, attnum) => CreateScanColumn(rangeTable, r, attnum));
        var filter = new List<BoundExpr>();
        if (outer.Scope.Query?.Optional("jointree") is { } jointree && jointree.Optional("quals") is { } quals && !OnNullableSide(jointree, rti, nullable: false))
        {
            var binder = new ExpressionBinder(_envelope.Catalog, scope) { Output = _envelope.Output, Locale = _envelope.Locale };
            foreach (var conjunct in JsonConjuncts(quals))
            {
                if (!ReadsOnly(conjunct, rti)) continue;
                BoundExpr bound;
                try
                {
                    bound = binder.Bind(conjunct);
                }
                catch (UnsupportedConstructException)
                {
                    continue;
                }
                if (PredicatePushdown.CannotRaise(bound, IsComparisonFunction)) filter.Add(bound);
            }
        }
        var columns = attnums.Select(a => scope.Column(rti, a)).ToList();
        var relation = Relation(rte);
        string alias = rte.Optional("alias")?.Optional("aliasname")?.Text() ?? relation.Name;
        LogicalPlan source = new LogicalScan(rti, alias, relation, scope.ColumnsOf(rti));
        if (filter.Count > 0) source = new LogicalFilter(source, PredicateSimplification.Conjunction(filter));
        return (source, columns);
    }

    /// <summary>
    /// Whether range-table entry <paramref name="rti"/> is under the nullable side of an outer join
    /// of <paramref name="node"/> (a FromExpr or JoinExpr; JoinType 1 left, 2 full, 3 right). There
    /// PostgreSQL tests a WHERE conjunct that is not strict above the join, after the sub-query ran
    /// for the table's rows, so the domain keeps them all.
    /// </summary>
    private static bool OnNullableSide(QueryTreeNode node, int rti, bool nullable) => node.Kind switch
    {
        "RANGETBLREF" => nullable && node.Int32("rtindex") == rti,
        "JOINEXPR" => OnNullableSide(node.Field("larg"), rti, nullable || node.Int32("jointype") is 2 or 3)
            || OnNullableSide(node.Field("rarg"), rti, nullable || node.Int32("jointype") is 1 or 2),
        _ => node.List("fromlist").Any(f => OnNullableSide(f, rti, nullable)),
    };

    /// <summary>Whether a conjunct reads columns of range-table entry <paramref name="rti"/> of its own level only, and holds no sub-query.</summary>
    private static bool ReadsOnly(QueryTreeNode conjunct, int rti) =>
        AnyVar(conjunct.Element, 0, static (_, _, _) => true)
        && !AnyVar(conjunct.Element, 0, (var, levelsUp, _) => levelsUp != 0 || !var.TryGetProperty("varno", out var no) || no.GetInt32() != rti)
        && !HasProperty(conjunct.Element, "subselect");
}
