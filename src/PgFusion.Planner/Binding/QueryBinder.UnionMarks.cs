using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// EXISTS and IN over a UNION [ALL] whose arms read the enclosing query by different columns, e.g.
//   EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.k UNION ALL SELECT 1 FROM t3 WHERE t3.k = t1.a)
// QueryBinder.CorrelatedSetOperations runs a set operation once for all outer rows only when every
// arm is correlated by the same outer expressions. Here the arms' keys differ, but a UNION's rows are
// the rows of its arms, so
//   EXISTS (A UNION B) = EXISTS (A) OR EXISTS (B)
//   x IN (A UNION B)   = x IN (A) OR x IN (B)   (three-valued: true if one is true, else NULL if one is NULL)
// and each arm becomes its own mark (QueryBinder.Marks), decorrelated on its own keys. The arm is
// bound with the set operation's level between it and the outer query, so its Vars' varlevelsup
// resolve as PostgreSQL wrote them. INTERSECT and EXCEPT do not split this way: Unsupported.
// Also a sub-query with LIMIT/OFFSET or ORDER BY ... LIMIT inside a mark: a top-N per correlation key.
public sealed partial class QueryBinder
{
    /// <summary>One arm of a UNION bound as its own mark: its Query, the binder of the set operation's level, the type the UNION gives its one column (IN).</summary>
    private sealed record UnionArm(QueryTreeNode Query, ExpressionBinder Outer, PgType? Expected);

    /// <summary>The arms of a correlated EXISTS or IN sub-query that is a UNION [ALL] tree (no LIMIT or WITH), or null.</summary>
    private List<QueryTreeNode>? UnionArms(QueryTreeNode link)
    {
        int type = link.Int32("subLinkType");
        if (type != ExistsSubLink && !(type == AnySubLink && QuantifiedOperator(link) is "=" or null)) return null;
        var sub = link.Field("subselect");
        if (sub.IsNullField("setOperations") || !ReadsOuter(sub.Element, 0) || HasLimit(sub) || sub.List("cteList").Count > 0) return null;
        var arms = new List<QueryTreeNode>();
        return CollectUnionArms(sub.Field("setOperations"), sub.List("rtable"), arms) ? arms : null;
    }

    private static bool CollectUnionArms(QueryTreeNode node, IReadOnlyList<QueryTreeNode> rangeTable, List<QueryTreeNode> arms)
    {
        if (node.RequireKind() == "RANGETBLREF")
        {
            int rti = node.Int32("rtindex");
            if (rti < 1 || rti > rangeTable.Count || rangeTable[rti - 1].Int32("rtekind") != RteKind.Subquery) return false;
            arms.Add(rangeTable[rti - 1].Field("subquery"));
            return true;
        }
        return node.Kind == "SETOPERATIONSTMT" && node.Int32("op") == SetOpUnion
            && CollectUnionArms(node.Field("larg"), rangeTable, arms) && CollectUnionArms(node.Field("rarg"), rangeTable, arms);
    }

    private BoundExpr BindUnionMark(QueryTreeNode link, List<QueryTreeNode> arms, ExpressionBinder outer, List<SubqueryJoin> scalars, CatalogOperator? negator)
    {
        var sub = link.Field("subselect");
        var rangeTable = sub.List("rtable");
        var scope = new BindScope(rangeTable, (rti, attnum) => CreateScanColumn(rangeTable, rti, attnum));
        var level = new ExpressionBinder(_envelope.Catalog, scope) { Outer = outer, Output = _envelope.Output, Locale = _envelope.Locale };
        PgType? expected = null;
        if (link.Int32("subLinkType") != ExistsSubLink)
        {
            var types = SetOperationTypes(sub.Field("setOperations"));
            if (types.Count != 1) throw UnsupportedConstructException.NotYet($"IN/ANY subquery with {types.Count} columns");
            expected = types[0];
        }
        var marks = arms.Select(a => BindMark(link, outer, scalars, negator, new UnionArm(a, level, expected))).ToList();
        return new BoundBoolExpr(BoolOp.Or, marks);
    }

    /// <summary>
    /// The body of a mark's sub-query; a correlated plain SELECT-FROM-WHERE with ORDER BY and
    /// LIMIT/OFFSET becomes a top-N per correlation key (<see cref="PartitionTopN"/>), whose rows for
    /// a key are the rows the sub-query gives for an outer row carrying it.
    /// </summary>
    private SubqueryBody BindMarkBody(QueryTreeNode sub, ExpressionBinder outer, string what, bool exists)
    {
        bool topN = HasLimit(sub) && IsPlainSelectWithTopN(sub) && ReadsOuter(sub.Element, 0) && !(exists && IsExistsWithRedundantLimit(sub, outer));
        if (!topN) return BindSubqueryBody(sub, outer, what, existsLimit: exists);
        var body = BindSubqueryBody(sub, outer, what, allowTopN: true);
        if (body.Correlations.Count == 0) throw UnsupportedConstructException.NotYet($"{Correlated(what)} with LIMIT/OFFSET that reads the outer query outside its WHERE");
        var keys = Keys(body);
        var outputs = body.Outputs.Select(o => new NamedExpr(_ids.New("value", o.Type), o)).ToList();
        var plan = PartitionTopN(body, outputs, keys, $"{Correlated(what)} with LIMIT/OFFSET");
        return new SubqueryBody(plan, [.. outputs.Select(o => (BoundExpr)new LogicalColumnRef(o.Column))],
            [.. body.Correlations.Select((c, i) => c with { Inner = new LogicalColumnRef(keys[i].Column) })]);
    }

    /// <summary>"correlated " before a construct's description, unless it says so already.</summary>
    private static string Correlated(string what) => what.StartsWith("correlated ", StringComparison.Ordinal) ? what : $"correlated {what}";
}
