using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;

namespace PgFusion.Planner.Binding;

// Subqueries (SubLinks): EXISTS, NOT EXISTS, IN (= ANY) and NOT IN as top-level WHERE conjuncts
// become semi, anti and null-aware anti joins; correlated ones are decorrelated when the outer
// references sit in WHERE conjuncts of a plain SELECT-FROM-WHERE subquery (those conjuncts become
// the join condition). Uncorrelated scalar subqueries that are one ungrouped aggregate (exactly one
// row) are cross-joined. Everything else raises Unsupported naming the construct.
public sealed partial class QueryBinder
{
    private const int ExistsSubLink = 0;
    private const int AnySubLink = 2;
    private const int ExprSubLink = 4;

    /// <summary>A WHERE clause: plain conjuncts, and subqueries that join the FROM plan.</summary>
    private sealed record WhereClause(List<BoundExpr> Plain, List<SubqueryJoin> Joins);

    private sealed record SubqueryJoin(LogicalPlan Right, LogicalJoinType Kind, BoundExpr? Condition);

    private WhereClause BindWhere(QueryTreeNode? quals, ExpressionBinder binder)
    {
        var clause = new WhereClause([], []);
        if (quals is not { } q) return clause;
        foreach (var conjunct in JsonConjuncts(q))
        {
            if (AsSubLink(conjunct, out bool negated) is { } link)
                clause.Joins.Add(BindSubqueryJoin(link, negated, binder));
            else
                clause.Plain.Add(binder.Bind(conjunct));
        }
        return clause;
    }

    private static LogicalPlan ApplyWhere(LogicalPlan plan, WhereClause where)
    {
        foreach (var j in where.Joins) plan = new LogicalJoin(plan, j.Right, j.Kind, j.Condition);
        return where.Plain.Count == 0 ? plan : new LogicalFilter(plan, PredicateSimplification.Conjunction(where.Plain));
    }

    private static IEnumerable<QueryTreeNode> JsonConjuncts(QueryTreeNode node)
    {
        if (node.Kind == "BOOLEXPR" && BoolOpName(node) == "and")
        {
            foreach (var a in node.List("args"))
                foreach (var c in JsonConjuncts(a))
                    yield return c;
        }
        else
        {
            yield return node;
        }
    }

    private static string BoolOpName(QueryTreeNode node)
    {
        var op = node.Field("boolop");
        return op.Element.ValueKind == System.Text.Json.JsonValueKind.Number
            ? op.Int32() switch { 0 => "and", 1 => "or", _ => "not" }
            : op.String();
    }

    /// <summary>An EXISTS or ANY SubLink, possibly under one NOT.</summary>
    private static QueryTreeNode? AsSubLink(QueryTreeNode node, out bool negated)
    {
        negated = false;
        if (node.Kind == "BOOLEXPR" && BoolOpName(node) == "not" && node.List("args") is [var arg])
        {
            negated = true;
            node = arg;
        }
        if (node.Kind == "SUBLINK" && node.Int32("subLinkType") is ExistsSubLink or AnySubLink) return node;
        negated = false;
        return null;
    }

    /// <summary>A plain SELECT ... FROM ... WHERE: no aggregation, grouping, DISTINCT, LIMIT or set operation.</summary>
    private static bool IsPlainSelect(QueryTreeNode q) =>
        !q.Bool("hasAggs") && q.List("groupClause").Count == 0 && q.IsNullField("havingQual") && q.List("distinctClause").Count == 0
        && q.IsNullField("limitCount") && q.IsNullField("limitOffset") && q.IsNullField("setOperations") && q.List("cteList").Count == 0
        && !q.Bool("hasWindowFuncs") && !q.Bool("hasTargetSRFs");

    private SubqueryJoin BindSubqueryJoin(QueryTreeNode link, bool negated, ExpressionBinder outer)
    {
        int type = link.Int32("subLinkType");
        var sub = link.Field("subselect");
        string what = type == ExistsSubLink ? (negated ? "NOT EXISTS" : "EXISTS") : (negated ? "NOT IN" : "IN/ANY");
        LogicalPlan right;
        List<BoundExpr> outputs;
        var condition = new List<BoundExpr>();
        if (IsPlainSelect(sub))
        {
            CheckQueryLevel(sub);
            var rangeTable = sub.List("rtable");
            var scope = new BindScope(rangeTable, (rti, attnum) => CreateScanColumn(rangeTable, rti, attnum));
            var binder = new ExpressionBinder(_envelope.Catalog, scope) { Outer = outer };
            var scalars = new List<LogicalPlan>();
            binder.SubLinkBinder = node => BindScalarSubquery(node, scalars);
            var jointree = sub.Field("jointree");
            var from = PrepareFrom(jointree, scope, binder);
            var where = BindWhere(jointree.Optional("quals"), binder);
            outputs = type == AnySubLink ? [.. sub.List("targetList").Where(t => !t.Bool("resjunk")).Select(t => binder.Bind(t.Field("expr")))] : [];
            var plan = from(scope);
            foreach (var s in scalars) plan = new LogicalJoin(plan, s, LogicalJoinType.Inner, null);
            foreach (var j in where.Joins) plan = new LogicalJoin(plan, j.Right, j.Kind, j.Condition);
            var produced = plan.Output.Select(c => c.Id).ToHashSet();
            var local = new List<BoundExpr>();
            foreach (var p in where.Plain)
            {
                if (p.ReferencedColumns().All(c => produced.Contains(c.Id))) local.Add(p);
                else condition.Add(p); // reads the outer query: a join condition
            }
            right = local.Count == 0 ? plan : new LogicalFilter(plan, PredicateSimplification.Conjunction(local));
        }
        else
        {
            var bound = BindQuery(sub);
            right = bound.Root;
            outputs = [.. bound.ResultColumns.Select(c => (BoundExpr)new LogicalColumnRef(c))];
        }
        VerifyColumns(right, $"{what} subquery that reads the outer query outside its WHERE conjuncts");
        if (type == AnySubLink)
        {
            outer.SubLinkParams.Clear();
            for (int i = 0; i < outputs.Count; i++) outer.SubLinkParams[i + 1] = outputs[i];
            try
            {
                var test = outer.Bind(link.Field("testexpr"));
                if (test.Type.Oid != Types.PgTypeOid.Bool) throw link.Field("testexpr").Error($"ANY test of type {test.Type}");
                condition.Add(test);
            }
            finally
            {
                outer.SubLinkParams.Clear();
            }
        }
        var kind = type == ExistsSubLink
            ? (negated ? LogicalJoinType.Anti : LogicalJoinType.Semi)
            : (negated ? LogicalJoinType.NullAwareAnti : LogicalJoinType.Semi);
        if (kind == LogicalJoinType.NullAwareAnti && condition.Count != 1)
            throw UnsupportedConstructException.NotYet("correlated NOT IN subquery");
        return new SubqueryJoin(right, kind, condition.Count == 0 ? null : PredicateSimplification.Conjunction(condition));
    }

    /// <summary>
    /// A scalar subquery in an expression: only an uncorrelated, ungrouped aggregate without HAVING
    /// or LIMIT, which yields exactly one row; its plan is cross-joined and the value read as a column.
    /// </summary>
    private LogicalColumnRef BindScalarSubquery(QueryTreeNode link, List<LogicalPlan> scalars)
    {
        int type = link.Int32("subLinkType");
        if (type != ExprSubLink)
            throw UnsupportedConstructException.NotYet($"subquery expression (SubLink {ExpressionBinder.SubLinkKind(link)}) other than a top-level WHERE conjunct");
        var sub = link.Field("subselect");
        bool oneRow = sub.Bool("hasAggs") && sub.List("groupClause").Count == 0 && sub.List("groupingSets").Count == 0 && sub.IsNullField("havingQual")
            && sub.IsNullField("limitCount") && sub.IsNullField("limitOffset") && sub.IsNullField("setOperations");
        if (!oneRow) throw UnsupportedConstructException.NotYet("scalar subquery other than one ungrouped aggregate");
        var bound = BindQuery(sub);
        if (bound.ResultColumns.Count != 1) throw link.Error($"scalar subquery with {bound.ResultColumns.Count} columns");
        scalars.Add(bound.Root);
        return new LogicalColumnRef(bound.ResultColumns[0]);
    }

    /// <summary>Every column an operator reads comes from its inputs; otherwise Unsupported with <paramref name="construct"/>.</summary>
    private static void VerifyColumns(LogicalPlan plan, string construct)
    {
        try
        {
            LogicalPlanVerifier.Verify(plan);
        }
        catch (InvalidOperationException)
        {
            throw UnsupportedConstructException.NotYet(construct);
        }
    }
}
