using FsCheck;
using FsCheck.Fluent;
using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Generators;

/// <summary>FROM clauses beyond ON joins: JOIN ... USING / NATURAL JOIN, LATERAL sub-queries, VALUES lists.</summary>
public static partial class QueryGen
{
    /// <summary>Join columns: comparable kinds, not interval (equal intervals hash alike only by value, '1 day' = '24 hours').</summary>
    private static bool Joinable(ColumnKind a, ColumnKind b) => ColumnKinds.Comparable(a, b) && a != ColumnKind.Interval && b != ColumnKind.Interval;

    /// <summary>Tables small enough that a product of two runs in milliseconds.</summary>
    private static FuzzTable[] Small(FuzzSchema schema) => schema.Tables.Where(t => t.Rows.Count <= 400).ToArray();

    /// <summary>
    /// `a [LEFT|RIGHT|FULL] JOIN b USING (c1, ..)` over some of the same-named columns, or
    /// `a NATURAL ... JOIN b` when all of them join. Both a.c1 and b.c1 stay visible, and the merged
    /// column (the COALESCE of the two in a FULL JOIN) as plain `c1` when both sides have one kind.
    /// </summary>
    private static Gen<FuzzQuery> UsingJoin(FuzzSchema schema)
    {
        var small = Small(schema);
        if (small.Length == 0) return SingleTable(schema, false);
        return
            from a in Gen.Elements(small)
            from b in Gen.Elements(small)
            let common = (from x in a.Columns from y in b.Columns where x.Name == y.Name select (x, y)).ToArray()
            let usable = common.Where(p => Joinable(p.x.Kind, p.y.Kind)).ToArray()
            from shuffled in Gen.Shuffle(usable)
            from count in Gen.Choose(1, Math.Max(1, usable.Length))
            from natural in Gen.Frequency((2, Gen.Constant(false)), (1, Gen.Constant(true)))
            from kind in Gen.Elements("JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN")
            let isNatural = natural && usable.Length == common.Length && common.Length > 0
            let used = isNatural ? common : shuffled.Take(count).ToArray()
            let merged = used.Where(p => p.x.Kind == p.y.Kind).Select(p => new ScopeColumn("", p.x with { Nullable = true }))
            let scope = (ScopeColumn[])[.. ScopeOf(a, "a"), .. ScopeOf(b, "b"), .. merged]
            let fromSql = isNatural
                ? $"{a.Name} a NATURAL {kind} {b.Name} b"
                : $"{a.Name} a {kind} {b.Name} b USING ({string.Join(", ", used.Select(p => p.x.Name))})"
            from q in used.Length == 0
                ? Join(schema)
                : Body(new ExprGen(scope, schema, false), fromSql, [isNatural ? "join-natural" : "join-using"])
            select q;
    }

    /// <summary>
    /// `a CROSS JOIN LATERAL (SELECT .. FROM b WHERE b.y = a.x ..) l(x1, ..)` (or `LEFT JOIN LATERAL
    /// .. ON true`, or a comma): a plain sub-query (PostgreSQL pulls it up into a join), an
    /// aggregate per outer row, or `ORDER BY .. LIMIT k` per outer row.
    /// </summary>
    private static Gen<FuzzQuery> Lateral(FuzzSchema schema)
    {
        var small = Small(schema);
        if (small.Length == 0) return SingleTable(schema, false);
        return
            from a in Gen.Elements(small)
            from b in Gen.Elements(small)
            let scopeA = ScopeOf(a, "a")
            let scopeB = ScopeOf(b, "b")
            let pairs = (from x in scopeA from y in scopeB where Joinable(x.Column.Kind, y.Column.Kind) select (x, y)).ToArray()
            from q in pairs.Length == 0 ? Join(schema) : LateralOver(schema, a, b, scopeA, scopeB, pairs)
            select q;
    }

    private static Gen<FuzzQuery> LateralOver(
        FuzzSchema schema, FuzzTable a, FuzzTable b, IReadOnlyList<ScopeColumn> scopeA, IReadOnlyList<ScopeColumn> scopeB,
        (ScopeColumn Outer, ScopeColumn Inner)[] pairs)
    {
        // LIMIT picks among rows that sort equal: only columns whose equal values print alike.
        var alike = scopeB.Where(c => c.Column.Kind is ColumnKind.Int2 or ColumnKind.Int4 or ColumnKind.Int8 or ColumnKind.Text
            or ColumnKind.Varchar or ColumnKind.Date or ColumnKind.Timestamp or ColumnKind.Time).ToArray();
        var both = new ExprGen([.. scopeA, .. scopeB], schema, false);
        var inner = new ExprGen(scopeB, schema, false);
        return
            from pair in Gen.Elements(pairs)
            from op in Gen.Frequency((4, Gen.Constant("=")), (1, Gen.Elements("<", "<>", ">=")))
            from shape in Gen.Frequency((2, Gen.Constant("plain")), (2, Gen.Constant("aggregate")), (alike.Length > 0 ? 1 : 0, Gen.Constant("limit")))
            from n in Gen.Choose(1, 3)
            from items in shape switch
            {
                "aggregate" => inner.Aggregate(1).Where(e => !e.Inexact).ArrayOf(n),
                "limit" => Gen.Elements(alike).Select(c => c.ToExpr()).ArrayOf(n),
                _ => SelectItem(both).ArrayOf(n),
            }
            from filters in Gen.Frequency((2, Gen.Constant(Array.Empty<Expr>())), (1, Where(inner)))
            from limit in Gen.Choose(0, 3)
            from joinKind in Gen.Elements("CROSS JOIN", "LEFT JOIN", ",")
            let names = string.Join(", ", items.Select((_, i) => "x" + (i + 1)))
            let conditions = string.Join(" AND ", [$"{pair.Inner.Sql} {op} {pair.Outer.Sql}", .. filters.Select(f => f.Sql)])
            let tail = shape == "limit" ? $" ORDER BY {Positions(n)} LIMIT {limit}" : ""
            let sub = $"LATERAL (SELECT {string.Join(", ", items.Select(e => e.Sql))} FROM {b.Name} b WHERE {conditions}{tail}) l({names})"
            let fromSql = joinKind switch
            {
                "LEFT JOIN" => $"{a.Name} a LEFT JOIN {sub} ON true",
                "," => $"{a.Name} a, {sub}",
                _ => $"{a.Name} a CROSS JOIN {sub}",
            }
            let columns = items.Select((e, i) => new ScopeColumn("l", new FuzzColumn("x" + (i + 1), e.Kind.SqlName(), e.Kind, true)))
            from q in Body(new ExprGen([.. scopeA, .. columns], schema, false), fromSql, ["lateral-" + shape])
            select q;
    }

    /// <summary>
    /// `(VALUES (..), (..)) a(v1, ..)` alone, or joined with a table on an equality: each value cast
    /// to its column's type, so every row agrees and NULLs are typed.
    /// </summary>
    private static Gen<FuzzQuery> Values(FuzzSchema schema) =>
        from ncols in Gen.Choose(1, 4)
        from kinds in Gen.Elements(ColumnKind.Int4, ColumnKind.Int8, ColumnKind.Int2, ColumnKind.Numeric, ColumnKind.Float8,
            ColumnKind.Text, ColumnKind.Date, ColumnKind.Timestamp, ColumnKind.Bool).ArrayOf(ncols)
        from nrows in Gen.Frequency((1, Gen.Constant(1)), (4, Gen.Choose(2, 8)), (1, Gen.Choose(9, 30)))
        from rows in Gen.CollectToArray(kinds.Select(ExprGen.Literal)).ArrayOf(nrows)
        let valuesSql = "(VALUES " + string.Join(", ", rows.Select(r => "(" + string.Join(", ", r.Select((e, i) => $"CAST({e.Sql} AS {kinds[i].SqlName()})")) + ")")) + ")"
        let names = string.Join(", ", kinds.Select((_, i) => "v" + (i + 1)))
        let columns = kinds.Select((k, i) => new FuzzColumn("v" + (i + 1), k.SqlName(), k, true)).ToArray()
        from table in Gen.Elements(schema.Tables.ToArray())
        from joined in Gen.Elements(false, true)
        let scopeV = columns.Select(c => new ScopeColumn(joined ? "v" : "a", c)).ToArray()
        let pairs = (from x in ScopeOf(table, "a") from y in scopeV where Joinable(x.Column.Kind, y.Column.Kind) select (x, y)).ToArray()
        from pair in pairs.Length == 0 ? Gen.Constant<(ScopeColumn, ScopeColumn)?>(null) : Gen.Elements(pairs).Select(p => ((ScopeColumn, ScopeColumn)?)p)
        from kind in Gen.Elements("JOIN", "LEFT JOIN")
        let fromSql = !joined
            ? $"{valuesSql} a({names})"
            : pair == null
                ? $"{table.Name} a CROSS JOIN {valuesSql} v({names})"
                : $"{table.Name} a {kind} {valuesSql} v({names}) ON {pair.Value.Item1.Sql} = {pair.Value.Item2.Sql}"
        let scope = joined ? (ScopeColumn[])[.. ScopeOf(table, "a"), .. scopeV] : scopeV
        from q in Body(new ExprGen(scope, schema, false), fromSql, [joined ? "values-join" : "values"])
        select q;
}
