using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Generators;

/// <summary>WITH RECURSIVE: a counted iteration (UNION or UNION ALL) and a closure over a table's column pairs (UNION).</summary>
public static partial class QueryGen
{
    private static Gen<FuzzQuery> Recursive(FuzzSchema schema) =>
        Gen.Frequency((3, Lazy(() => CountedRecursion(schema))), (2, Lazy(() => ClosureRecursion(schema))));

    /// <summary>
    /// `WITH RECURSIVE r(n, x1, ..) AS (SELECT 0, e1, .. FROM t a WHERE .. UNION [ALL] SELECT r.n + 1,
    /// f1(r), .. FROM r WHERE r.n &lt; d [AND p(r)]) SELECT .. FROM r a`. Every value is cast to its
    /// kind's plain type, as the two terms must agree on column types.
    /// </summary>
    private static Gen<FuzzQuery> CountedRecursion(FuzzSchema schema) =>
        from table in Gen.Elements(schema.Tables.ToArray())
        let g = new ExprGen(ScopeOf(table, "a"), schema, false)
        from k in Gen.Choose(1, 3)
        from kinds in g.AnyKind().ArrayOf(k)
        let columns = kinds.Select((kind, i) => new FuzzColumn("x" + (i + 1), kind.SqlName(), kind, true)).ToArray()
        let step = new ExprGen(columns.Select(c => new ScopeColumn("r", c)).ToArray(), schema, false)
        from start in Gen.CollectToArray(kinds.Select(kind => g.Scalar(kind, 1)))
        from next in Gen.CollectToArray(kinds.Select(kind => step.Scalar(kind, 1)))
        from startWhere in Where(g)
        from stepWhere in Gen.Frequency((3, Gen.Constant<Expr?>(null)), (1, step.Predicate(1).Select(p => (Expr?)p)))
        from depth in Gen.Choose(1, 5)
        from union in Gen.Frequency((2, Gen.Constant("UNION ALL")), (1, Gen.Constant("UNION")))
        let names = "n, " + string.Join(", ", columns.Select(c => c.Name))
        let startSql = new FuzzQuery { From = $"{table.Name} a", Select = [Expr.Leaf(ColumnKind.Int4, "0"), .. start.Select((e, i) => CastTo(e, kinds[i]))], Where = startWhere }.Sql
        let stepConds = string.Join(" AND ", [$"r.n < {depth.ToString(CultureInfo.InvariantCulture)}", .. stepWhere == null ? Array.Empty<string>() : [stepWhere.Sql]])
        let stepSql = $"SELECT r.n + 1, {string.Join(", ", next.Select((e, i) => CastTo(e, kinds[i]).Sql))} FROM r WHERE {stepConds}"
        let scope = (ScopeColumn[])[new ScopeColumn("a", new FuzzColumn("n", "int4", ColumnKind.Int4, false)), .. columns.Select(c => new ScopeColumn("a", c))]
        from q in Body(new ExprGen(scope, schema, false), "r a", [union == "UNION" ? "recursive-union" : "recursive-union-all"])
        select q with { With = $"WITH RECURSIVE r({names}) AS ({startSql} {union} {stepSql})" };

    /// <summary>
    /// The pairs (p, q) of one table reachable from those WHERE keeps, following q = p:
    /// `WITH RECURSIVE r(x, y) AS (SELECT a.p, a.q FROM t a WHERE .. UNION SELECT b.p, b.q FROM r
    /// JOIN t b ON b.p = r.y)`. UNION ends it: there are only so many distinct pairs. Kinds whose
    /// equal values print alike only, since UNION keeps whichever of two equal rows comes first.
    /// </summary>
    private static Gen<FuzzQuery> ClosureRecursion(FuzzSchema schema)
    {
        var candidates = (from t in schema.Tables
                          from p in t.Columns
                          from q in t.Columns
                          where p.Kind == q.Kind && p.Kind is ColumnKind.Int2 or ColumnKind.Int4 or ColumnKind.Int8 or ColumnKind.Text
                              or ColumnKind.Varchar or ColumnKind.Bpchar or ColumnKind.Date or ColumnKind.Bool or ColumnKind.Uuid
                          select (t, p, q)).ToArray();
        if (candidates.Length == 0) return CountedRecursion(schema);
        return
            from c in Gen.Elements(candidates)
            let kind = c.p.Kind.IsString() ? ColumnKind.Text : c.p.Kind
            let type = kind.SqlName()
            from startWhere in Where(new ExprGen(ScopeOf(c.t, "a"), schema, false))
            let whereSql = startWhere.Length == 0 ? "" : " WHERE " + string.Join(" AND ", startWhere.Select(e => e.Sql))
            let with = $"WITH RECURSIVE r(x, y) AS (SELECT CAST(a.{c.p.Name} AS {type}), CAST(a.{c.q.Name} AS {type}) FROM {c.t.Name} a{whereSql}"
                + $" UNION SELECT CAST(b.{c.p.Name} AS {type}), CAST(b.{c.q.Name} AS {type}) FROM r JOIN {c.t.Name} b ON b.{c.p.Name} = r.y)"
            let scope = new[] { "x", "y" }.Select(n => new ScopeColumn("a", new FuzzColumn(n, type, kind, true))).ToArray()
            from q in Body(new ExprGen(scope, schema, false), "r a", ["recursive-closure"])
            select q with { With = with };
    }

    private static Expr CastTo(Expr e, ColumnKind kind) => Expr.Op(kind, "CAST({0} AS " + kind.SqlName() + ")", null, e);
}
