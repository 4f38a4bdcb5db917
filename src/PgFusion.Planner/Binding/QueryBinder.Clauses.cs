using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;

namespace PgFusion.Planner.Binding;

// DISTINCT, ORDER BY, LIMIT/OFFSET over the projected target list.
public sealed partial class QueryBinder
{
    /// <summary>DISTINCT is grouping on the distinctClause's columns with no aggregates.</summary>
    /// <param name="carried">Columns kept through DISTINCT as further keys (a LATERAL sub-query's correlation keys); replaced by the aggregate's.</param>
    private LogicalPlan BindDistinct(QueryTreeNode query, IReadOnlyList<QueryTreeNode> targetList, LogicalColumn[] tleColumns, LogicalPlan plan, List<LogicalColumn> carried)
    {
        var clauses = query.List("distinctClause");
        if (clauses.Count == 0) return plan;
        var keys = new List<NamedExpr>();
        var distinctIndexes = new HashSet<int>();
        foreach (var clause in clauses)
        {
            int i = TargetIndexFor(clause, targetList);
            if (!distinctIndexes.Add(i)) continue;
            var key = new NamedExpr(_ids.New(tleColumns[i].Name, tleColumns[i].Type), new LogicalColumnRef(tleColumns[i]));
            keys.Add(key);
        }
        foreach (var i in distinctIndexes) tleColumns[i] = keys.First(k => ((LogicalColumnRef)k.Expr).Column.Id == tleColumns[i].Id).Column;
        for (int i = 0; i < targetList.Count; i++)
            if (!distinctIndexes.Contains(i) && !targetList[i].Bool("resjunk"))
                throw UnsupportedConstructException.NotYet("DISTINCT that does not cover the whole select list");
        for (int j = 0; j < carried.Count; j++)
        {
            var key = new NamedExpr(_ids.New(carried[j].Name, carried[j].Type), new LogicalColumnRef(carried[j]));
            keys.Add(key);
            carried[j] = key.Column;
        }
        return new LogicalAggregate(plan, keys, []);
    }

    private LogicalPlan BindSort(QueryTreeNode query, IReadOnlyList<QueryTreeNode> targetList, LogicalColumn[] tleColumns, LogicalPlan plan)
    {
        var clauses = query.List("sortClause");
        if (clauses.Count == 0) return plan;
        var available = ColumnIds.Of(plan.Output);
        var keys = new List<LogicalSortKey>();
        foreach (var clause in clauses)
        {
            int i = TargetIndexFor(clause, targetList);
            var column = tleColumns[i];
            if (!available.Contains(column.Id)) throw UnsupportedConstructException.NotYet("ORDER BY an expression that DISTINCT removed");
            bool descending = SortDescending(clause, targetList[i].Field("expr"), column.Type.Oid);
            keys.Add(new LogicalSortKey(new LogicalColumnRef(column), descending, clause.Bool("nulls_first")));
        }
        return new LogicalSort(plan, keys);
    }

    /// <summary>
    /// Whether a sort clause orders descending, from its operator (the type's btree &lt; or &gt;),
    /// after checking that a text key's collation orders by bytes (C, POSIX, or the default collation where it does).
    /// </summary>
    private bool SortDescending(QueryTreeNode clause, QueryTreeNode keyExpr, uint typeOid)
    {
        uint sortop = clause.UInt32("sortop");
        string opName = _envelope.Catalog.Operators.TryGetValue(sortop, out var op)
            ? op.Name
            : throw new QueryJsonException("$.catalog.operators", $"sort operator {sortop} used at {clause.Path} is missing");
        bool descending = opName switch
        {
            "<" => false,
            ">" => true,
            _ => throw UnsupportedConstructException.NotYet($"ORDER BY ... USING {opName} (OID {sortop})"),
        };
        uint collation = ExpressionCollation(keyExpr);
        if (SupportedTypes.IsCollatable(typeOid) && !_envelope.Locale.OrdersByBytes(collation))
            throw UnsupportedConstructException.NotYet($"ORDER BY text under collation OID {collation} (only C, POSIX and a default collation that orders by bytes)");
        return descending;
    }

    private static bool HasLimit(QueryTreeNode query) => !query.IsNullField("limitCount") || !query.IsNullField("limitOffset");

    /// <summary>
    /// ORDER BY and LIMIT/OFFSET of a decorrelated LATERAL sub-query (grouped or DISTINCT), a row
    /// limit per outer row: its rows without NULL keys (which match no outer row), sorted by the
    /// correlation keys and then the ORDER BY, with OFFSET/LIMIT rows kept per run of equal keys.
    /// </summary>
    private LogicalPlan BindLateralLimit(QueryTreeNode query, IReadOnlyList<QueryTreeNode> targetList, LogicalColumn[] tleColumns, LogicalPlan plan,
        IReadOnlyList<LogicalColumn> keys, ExpressionBinder binder)
    {
        if (WithTies(query)) throw UnsupportedConstructException.NotYet("FETCH FIRST ... WITH TIES in a correlated sub-query");
        long? count = ConstantCount(query.Optional("limitCount"), "LIMIT", binder);
        long offset = ConstantCount(query.Optional("limitOffset"), "OFFSET", binder) ?? 0;
        LogicalPlan rows = new LogicalFilter(plan, PredicateSimplification.Conjunction([.. keys.Select(k => (BoundExpr)new BoundNullTest(new LogicalColumnRef(k), IsNotNull: true))]));
        var order = BindSort(query, targetList, tleColumns, rows) is LogicalSort s ? s.Keys : [];
        var sorted = new LogicalSort(rows, [.. keys.Select(k => new LogicalSortKey(new LogicalColumnRef(k), Descending: false, NullsFirst: false)), .. order]);
        return new LogicalPartitionLimit(sorted, keys, offset, count);
    }

    private LogicalPlan BindLimit(QueryTreeNode query, ExpressionBinder binder, LogicalPlan plan)
    {
        long? count = ConstantCount(query.Optional("limitCount"), "LIMIT", binder);
        long offset = ConstantCount(query.Optional("limitOffset"), "OFFSET", binder) ?? 0;
        if (WithTies(query) && count is > 0)
        {
            // FETCH FIRST n ROWS WITH TIES (the parser demands ORDER BY): a top-(offset + n) that also
            // keeps the rows tied with its last; the limit above skips the offset. A NULL count is no
            // limit and a zero count returns no row (ExecLimit stops before looking for ties), as without ties.
            if (plan is not LogicalSort sort) throw UnsupportedConstructException.NotYet("FETCH FIRST ... WITH TIES whose ORDER BY keys are all constants");
            long keep = offset > long.MaxValue - count.Value ? long.MaxValue : offset + count.Value;
            var topN = sort with { Limit = keep, WithTies = true };
            return offset == 0 ? topN : new LogicalLimit(topN, offset, null);
        }
        return count is null && offset == 0 ? plan : new LogicalLimit(plan, offset, count);
    }

    /// <summary>FETCH FIRST ... WITH TIES (Query.limitOption LIMIT_OPTION_WITH_TIES).</summary>
    private static bool WithTies(QueryTreeNode query) => query.Optional("limitOption")?.Int32() == 1;

    /// <summary>
    /// A LIMIT/OFFSET count: an int8 Const, possibly under the implicit int4/int2 -> int8 cast the
    /// parser adds. NULL means none. A negative count is left to PostgreSQL, which raises its error.
    /// </summary>
    private static long? ConstantCount(QueryTreeNode? node, string clause, ExpressionBinder binder)
    {
        if (node is not { } n) return null;
        var expr = binder.Bind(n);
        object? value = expr switch
        {
            BoundConst c => c.Value,
            BoundFuncCall { FuncOid: 481 or 754, Args: [BoundConst c] } => c.Value,
            _ => throw UnsupportedConstructException.NotYet($"{clause} with a non-constant expression"),
        };
        long? count = value switch
        {
            null => null,
            long l => l,
            int i => i,
            short s => s,
            _ => throw UnsupportedConstructException.NotYet($"{clause} of type {expr.Type}"),
        };
        if (count < 0) throw UnsupportedConstructException.NotYet($"negative {clause} (PostgreSQL raises the error)");
        return count;
    }

    /// <summary>exprCollation() for the nodes that carry one.</summary>
    private static uint ExpressionCollation(QueryTreeNode expr) => expr.Kind switch
    {
        "VAR" => expr.Optional("varcollid")?.UInt32() ?? 0,
        "CONST" => expr.Optional("constcollid")?.UInt32() ?? 0,
        "FUNCEXPR" => expr.Optional("funccollid")?.UInt32() ?? 0,
        "OPEXPR" or "NULLIFEXPR" => expr.Optional("opcollid")?.UInt32() ?? 0,
        "RELABELTYPE" or "COERCEVIAIO" => expr.Optional("resultcollid")?.UInt32() ?? 0,
        "CASEEXPR" => expr.Optional("casecollid")?.UInt32() ?? 0,
        "COALESCEEXPR" => expr.Optional("coalescecollid")?.UInt32() ?? 0,
        "AGGREF" => expr.Optional("aggcollid")?.UInt32() ?? 0,
        "MINMAXEXPR" => expr.Optional("minmaxcollid")?.UInt32() ?? 0,
        "COLLATEEXPR" => expr.Optional("collOid")?.UInt32() ?? 0,
        _ => 100,
    };
}
