using FsCheck;
using FsCheck.Fluent;
using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Generators;

/// <summary>
/// Queries over a schema: single-table projections/filters and aggregates (the grammar pg_fusion
/// claims), and joins of every kind, subqueries, set operations and CTEs (which may fall back).
/// </summary>
public static partial class QueryGen
{
    /// <summary>Any query; <paramref name="singleTableOnly"/> restricts to the single-table grammar.</summary>
    public static Gen<FuzzQuery> Query(FuzzSchema schema, bool singleTableOnly = false)
    {
        var choices = new List<(int, Gen<FuzzQuery>)>
        {
            (12, Lazy(() => SingleTable(schema, subqueries: false))),
        };
        if (!singleTableOnly)
        {
            choices.Add((4, Lazy(() => Join(schema))));
            choices.Add((3, Lazy(() => SingleTable(schema, subqueries: true))));
            choices.Add((2, Lazy(() => SetOperation(schema))));
            choices.Add((2, Lazy(() => Cte(schema))));
            // Constructs added for issue 7's second round (QueryGen.*.cs), about a fifth of the cases.
            choices.Add((1, Lazy(() => DistinctOn(schema))));
            choices.Add((1, Lazy(() => WithTies(schema))));
            choices.Add((1, Lazy(() => UsingJoin(schema))));
            choices.Add((1, Lazy(() => Lateral(schema))));
            choices.Add((1, Lazy(() => Values(schema))));
            choices.Add((1, Lazy(() => Recursive(schema))));
            // Window functions: one table ordered by its unique id, peer-independent functions, or over groups (QueryGen.Windows.cs).
            choices.Add((2, Lazy(() => Window(schema))));
        }
        return Gen.Frequency(choices);
    }

    private static Gen<T> Lazy<T>(Func<Gen<T>> f) => Gen.Constant(0).SelectMany(_ => f());

    private static IReadOnlyList<ScopeColumn> ScopeOf(FuzzTable t, string alias) => t.Columns.Select(c => new ScopeColumn(alias, c)).ToArray();

    private static Gen<FuzzQuery> SingleTable(FuzzSchema schema, bool subqueries) =>
        from table in Gen.Elements(schema.Tables.ToArray())
        from q in Body(new ExprGen(ScopeOf(table, "a"), schema, subqueries), $"{table.Name} a", [])
        select q;

    /// <summary>A projection or an aggregate query over the given FROM clause.</summary>
    private static Gen<FuzzQuery> Body(ExprGen g, string fromSql, IReadOnlyList<string> fromTags) =>
        Gen.Frequency((5, Lazy(() => Projection(g, fromSql, fromTags))), (4, Lazy(() => Aggregation(g, fromSql, fromTags))));

    private static Gen<FuzzQuery> Projection(ExprGen g, string fromSql, IReadOnlyList<string> fromTags) =>
        from n in Gen.Choose(1, 5)
        from items in SelectItem(g).ArrayOf(n)
        from filters in Where(g)
        from distinct in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
        from order in Order(n)
        select order(new FuzzQuery { From = fromSql, FromTags = fromTags, Select = items, Where = filters, Distinct = distinct });

    private static Gen<Expr> SelectItem(ExprGen g)
    {
        var scalar =
            from kind in g.AnyKind()
            from depth in Gen.Frequency((3, Gen.Constant(0)), (3, Gen.Constant(1)), (2, Gen.Constant(2)), (1, Gen.Constant(3)))
            from e in g.Scalar(kind, depth)
            select e;
        return g.ValueSubquery() is { } subquery ? Gen.Frequency((5, scalar), (1, subquery)) : scalar;
    }

    private static Gen<Expr[]> Where(ExprGen g) =>
        from n in Gen.Frequency((2, Gen.Constant(0)), (4, Gen.Constant(1)), (2, Gen.Constant(2)), (1, Gen.Constant(3)))
        from depth in Gen.Choose(1, 3)
        from preds in g.Predicate(depth).ArrayOf(n)
        select preds;

    private static Gen<FuzzQuery> Aggregation(ExprGen g, string fromSql, IReadOnlyList<string> fromTags) =>
        from nKeys in Gen.Frequency((2, Gen.Constant(0)), (4, Gen.Constant(1)), (2, Gen.Constant(2)), (1, Gen.Constant(3)))
        from keys in Key(g).ArrayOf(nKeys)
        from nAggs in Gen.Choose(1, 4)
        from aggs in AggregateItem(g).ArrayOf(nAggs)
        from filters in Where(g)
        from nHaving in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Constant(1)), (1, Gen.Constant(2)))
        from having in Having(g).ArrayOf(nHaving)
        from keySelect in KeySubquery(g, keys, predicate: false)
        from keyHaving in KeySubquery(g, keys, predicate: true)
        let items = keySelect == null ? (Expr[])[.. keys, .. aggs] : [.. keys, .. aggs, keySelect]
        from order in Order(items.Length)
        from sets in Gen.Frequency((6, Gen.Constant<string?>(null)), (1, Gen.Constant<string?>("ROLLUP")), (1, Gen.Constant<string?>("CUBE")), (1, Gen.Constant<string?>("GROUPING SETS")))
        select order(new FuzzQuery
        {
            From = fromSql, FromTags = fromTags, Select = items, Where = filters, Grouped = true, GroupBy = keys,
            Having = keyHaving == null ? having : [.. having, keyHaving],
            GroupingSets = keys.Length > 0 ? sets : null,
        });

    /// <summary>Now and then (with sub-queries on) a sub-query correlated with a GROUP BY column, for the select list or HAVING.</summary>
    private static Gen<Expr?> KeySubquery(ExprGen g, Expr[] keys, bool predicate)
    {
        var none = Gen.Constant<Expr?>(null);
        return keys.Length > 0 && g.GroupKeySubquery(keys, predicate) is { } sub
            ? Gen.Frequency((3, none), (1, sub.Select(e => (Expr?)e)))
            : none;
    }

    /// <summary>An aggregate, sometimes inside arithmetic or COALESCE (evaluated after aggregation).</summary>
    private static Gen<Expr> AggregateItem(ExprGen g) =>
        from agg in g.Aggregate(1)
        from wrap in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Constant(1)), (1, Gen.Constant(2)))
        from lit in ExprGen.Literal(agg.Kind)
        select wrap switch
        {
            1 when agg.Kind.IsNumber() => Expr.Op(agg.Kind, "({0} * 2 + {1})", "post-agg-arith", agg, lit),
            2 => Expr.Op(agg.Kind, "COALESCE({0}, {1})", "coalesce", agg, lit),
            _ => agg,
        };

    /// <summary>A GROUP BY key that references a column (a constant would be a position or an error).</summary>
    private static Gen<Expr> Key(ExprGen g) =>
        g.Scope.Count == 0
            ? Gen.Constant(Expr.Leaf(ColumnKind.Bool, "(1 = 1)"))
            : from kind in g.AnyKind()
              from depth in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Constant(1)))
              from e in g.Scalar(kind, depth)
              from column in Gen.Elements(g.Scope.ToArray())
              select e.Sql.Contains(column.Alias + ".", StringComparison.Ordinal) ? e : column.ToExpr();

    /// <summary>An aggregate compared with a literal of its type.</summary>
    private static Gen<Expr> Having(ExprGen g) =>
        from agg in g.Aggregate(0)
        from lit in ExprGen.Literal(agg.Kind)
        from op in Gen.Elements("=", "<>", "<", ">", ">=")
        select Expr.Op(Schema.ColumnKind.Bool, "({0} " + op + " {1})", "having", agg, lit);

    /// <summary>Half the time ORDER BY every output column, then maybe LIMIT/OFFSET.</summary>
    private static Gen<Func<FuzzQuery, FuzzQuery>> Order(int columns) =>
        from ordered in Gen.Elements(false, true)
        from dirs in Gen.Elements("", " DESC", " NULLS FIRST", " DESC NULLS LAST").ArrayOf(columns)
        from limit in Gen.Frequency((2, Gen.Constant<int?>(null)), (2, Gen.Choose(0, 20).Select(i => (int?)i)))
        from offset in Gen.Frequency((3, Gen.Constant<int?>(null)), (1, Gen.Choose(0, 10).Select(i => (int?)i)))
        select ordered
            ? (Func<FuzzQuery, FuzzQuery>)(q => q with { OrderBy = dirs, Limit = limit, Offset = offset })
            : q => q;

    /// <summary>Two or three tables joined with every join type, on equi or non-equi conditions.</summary>
    private static Gen<FuzzQuery> Join(FuzzSchema schema)
    {
        // Keep cross products small enough to run in milliseconds.
        var small = schema.Tables.Where(t => t.Rows.Count <= 400).ToArray();
        if (small.Length == 0) return SingleTable(schema, false);
        return
            from a in Gen.Elements(small)
            from b in Gen.Elements(small)
            from kind in Gen.Elements("JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "CROSS JOIN", ",")
            from equi in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
            let scopeA = ScopeOf(a, "a")
            let scopeB = ScopeOf(b, "b")
            let pairs = (from x in scopeA from y in scopeB where ColumnKinds.Comparable(x.Column.Kind, y.Column.Kind) && x.Column.Kind != ColumnKind.Interval select (x, y)).ToArray()
            from pair in pairs.Length == 0 ? Gen.Constant<(ScopeColumn, ScopeColumn)?>(null) : Gen.Elements(pairs).Select(p => ((ScopeColumn, ScopeColumn)?)p)
            from op in kind == "FULL JOIN" || equi ? Gen.Constant("=") : Gen.Elements("<", "<>", ">=")
            from extra in Gen.Frequency((3, Gen.Constant<Expr?>(null)), (1, new ExprGen([.. scopeA, .. scopeB], schema, false).Predicate(1).Select(p => (Expr?)p)))
            let cond = pair == null ? "true" : $"{pair.Value.Item1.Sql} {op} {pair.Value.Item2.Sql}"
            let onSql = extra == null || kind == "FULL JOIN" ? cond : $"{cond} AND {extra.Sql}"
            let fromSql = kind switch
            {
                "CROSS JOIN" => $"{a.Name} a CROSS JOIN {b.Name} b",
                "," => $"{a.Name} a, {b.Name} b",
                _ => $"{a.Name} a {kind} {b.Name} b ON {onSql}",
            }
            let commutedSql = kind switch
            {
                "CROSS JOIN" => $"{b.Name} b CROSS JOIN {a.Name} a",
                "," => $"{b.Name} b, {a.Name} a",
                "LEFT JOIN" => $"{b.Name} b RIGHT JOIN {a.Name} a ON {onSql}",
                "RIGHT JOIN" => $"{b.Name} b LEFT JOIN {a.Name} a ON {onSql}",
                _ => $"{b.Name} b {kind} {a.Name} a ON {onSql}",
            }
            let tag = kind switch { "," => "join-comma", "JOIN" => equi ? "join-inner" : "join-inner-nonequi", _ => "join-" + kind.Split(' ')[0].ToLowerInvariant() }
            from third in kind == "," ? Gen.Constant<(string Sql, ScopeColumn[] Scope, string Tag)?>(null) : ThirdTable(schema, [.. scopeA, .. scopeB])
            let scope = third == null ? [.. scopeA, .. scopeB] : (ScopeColumn[])[.. scopeA, .. scopeB, .. third.Value.Scope]
            let fullFrom = third == null ? fromSql : fromSql + third.Value.Sql
            from q in Body(new ExprGen(scope, schema, false), fullFrom, third == null ? [tag] : [tag, third.Value.Tag])
            let commuted = q.From == fullFrom ? q with { CommutedFrom = third == null ? commutedSql : commutedSql + third.Value.Sql } : q
            select kind == "," && pair != null ? commuted with { Where = [Expr.Leaf(ColumnKind.Bool, $"({cond})"), .. q.Where] } : commuted;
    }

    /// <summary>
    /// Sometimes a third table (at most 60 rows, so the products stay small) joined on an equality
    /// with a column of the first two: ` LEFT JOIN t3 c ON b.c2 = c.c1`.
    /// </summary>
    private static Gen<(string Sql, ScopeColumn[] Scope, string Tag)?> ThirdTable(FuzzSchema schema, ScopeColumn[] left)
    {
        var tiny = schema.Tables.Where(t => t.Rows.Count <= 60).ToArray();
        if (tiny.Length == 0) return Gen.Constant<(string, ScopeColumn[], string)?>(null);
        var none = Gen.Constant<(string, ScopeColumn[], string)?>(null);
        var some =
            from c in Gen.Elements(tiny)
            let scopeC = ScopeOf(c, "c").ToArray()
            let pairs = (from x in left from y in scopeC where ColumnKinds.Comparable(x.Column.Kind, y.Column.Kind) && x.Column.Kind != ColumnKind.Interval select (x, y)).ToArray()
            from kind in Gen.Elements("JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN")
            from pair in pairs.Length == 0 ? Gen.Constant<(ScopeColumn, ScopeColumn)?>(null) : Gen.Elements(pairs).Select(p => ((ScopeColumn, ScopeColumn)?)p)
            select pair == null
                ? ((string, ScopeColumn[], string)?)($" CROSS JOIN {c.Name} c", scopeC, "join-three")
                : ($" {kind} {c.Name} c ON {pair.Value.Item1.Sql} = {pair.Value.Item2.Sql}", scopeC, "join-three");
        return Gen.Frequency((3, none), (1, some));
    }

    /// <summary>WITH c AS (a projection) SELECT ... FROM c, or the projection as a sub-query in FROM.</summary>
    private static Gen<FuzzQuery> Cte(FuzzSchema schema) =>
        from table in Gen.Elements(schema.Tables.ToArray())
        let g = new ExprGen(ScopeOf(table, "a"), schema, false)
        from n in Gen.Choose(1, 4)
        from items in SelectItem(g).ArrayOf(n)
        from filters in Where(g)
        from materialized in Gen.Elements("", "MATERIALIZED ", "derived", "twice")
        let inner = new FuzzQuery { From = $"{table.Name} a", Select = items, Where = filters }
        let columns = items.Select((e, i) => new FuzzColumn("x" + (i + 1), e.Kind.SqlName(), e.Kind, true)).ToArray()
        let names = string.Join(", ", columns.Select(c => c.Name))
        let derived = materialized == "derived"
        let joinKey = Array.FindIndex(columns, c => Joinable(c.Kind, c.Kind))
        from q in materialized == "twice" && joinKey >= 0 && table.Rows.Count <= 150
            ? CteTwice(schema, inner, columns, joinKey)
            : Body(new ExprGen(columns.Select(c => new ScopeColumn("a", c)).ToArray(), schema, false),
                derived ? $"({inner.Sql}) a({names})" : "c a", [derived ? "subquery-from" : "cte"])
                .Select(b => derived ? b : b with { With = $"WITH c({names}) AS {(materialized == "MATERIALIZED " ? materialized : "")}({inner.Sql})" })
        select q;

    /// <summary>
    /// One CTE read twice: `WITH c(..) AS [NOT] [MATERIALIZED] (..) SELECT .. FROM c a [LEFT] JOIN c b
    /// ON a.xk = b.xk` (PostgreSQL scans a CTE referenced twice once, unless NOT MATERIALIZED inlines it).
    /// </summary>
    private static Gen<FuzzQuery> CteTwice(FuzzSchema schema, FuzzQuery inner, FuzzColumn[] columns, int joinKey) =>
        from kind in Gen.Elements("JOIN", "LEFT JOIN", "FULL JOIN")
        from materialized in Gen.Elements("", "MATERIALIZED ", "NOT MATERIALIZED ")
        let names = string.Join(", ", columns.Select(c => c.Name))
        let key = columns[joinKey].Name
        let scope = (ScopeColumn[])[.. columns.Select(c => new ScopeColumn("a", c)), .. columns.Select(c => new ScopeColumn("b", c))]
        from q in Body(new ExprGen(scope, schema, false), $"c a {kind} c b ON a.{key} = b.{key}", ["cte-twice"])
        select q with
        {
            With = $"WITH c({names}) AS {materialized}({inner.Sql})",
            CommutedFrom = q.From == $"c a {kind} c b ON a.{key} = b.{key}" ? $"c b {(kind == "LEFT JOIN" ? "RIGHT JOIN" : kind)} c a ON a.{key} = b.{key}" : null,
        };
}
