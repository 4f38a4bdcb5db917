using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Generators;

/// <summary>Row-choosing clauses over one table: DISTINCT ON, FETCH FIRST ... WITH TIES, window functions.</summary>
public static partial class QueryGen
{
    private static Gen<string[]> Directions(int columns) =>
        Gen.Elements("", " DESC", " NULLS FIRST", " DESC NULLS LAST").ArrayOf(columns);

    /// <summary>
    /// `SELECT DISTINCT ON (1, .., k) e1, .., en ... ORDER BY 1, .., n [LIMIT m]`: ordering by every
    /// column fixes which row each key keeps (up to rows that sort equal but print differently).
    /// </summary>
    private static Gen<FuzzQuery> DistinctOn(FuzzSchema schema) =>
        from table in Gen.Elements(schema.Tables.ToArray())
        let g = new ExprGen(ScopeOf(table, "a"), schema, false)
        from n in Gen.Choose(2, 5)
        from items in SelectItem(g).ArrayOf(n)
        from keyCount in Gen.Choose(1, n - 1)
        from filters in Where(g)
        from dirs in Directions(n)
        from limit in Gen.Frequency((3, Gen.Constant<int?>(null)), (1, Gen.Choose(0, 10).Select(i => (int?)i)))
        select new FuzzQuery { From = $"{table.Name} a", Select = items, Where = filters, DistinctOn = keyCount, OrderBy = dirs, Limit = limit };

    /// <summary>
    /// `ORDER BY` the first k of n columns, `FETCH FIRST m ROWS WITH TIES`: the rows tied with the
    /// m-th come too, so the result is a fixed multiset even when k &lt; n leaves its order open.
    /// </summary>
    private static Gen<FuzzQuery> WithTies(FuzzSchema schema) =>
        from table in Gen.Elements(schema.Tables.ToArray())
        let g = new ExprGen(ScopeOf(table, "a"), schema, false)
        from n in Gen.Choose(1, 4)
        from items in SelectItem(g).ArrayOf(n)
        from k in Gen.Frequency((3, Gen.Choose(1, n)), (1, Gen.Constant(n)))
        from filters in Where(g)
        from distinct in Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true)))
        from dirs in Directions(k)
        from limit in Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 20)), (1, Gen.Choose(100, 500)))
        select new FuzzQuery { From = $"{table.Name} a", Select = items, Where = filters, Distinct = distinct, OrderBy = dirs, Limit = limit, WithTies = true };

    /// <summary>
    /// A projection with one window function whose value does not depend on the order of peers
    /// (count/sum over a whole partition, rank, a running count with RANGE peers). pg_fusion hands
    /// window functions back to PostgreSQL: these cases exercise the fallback.
    /// </summary>
    private static Gen<FuzzQuery> Window(FuzzSchema schema) =>
        from table in Gen.Elements(schema.Tables.ToArray())
        let g = new ExprGen(ScopeOf(table, "a"), schema, false)
        from n in Gen.Choose(1, 3)
        from items in SelectItem(g).ArrayOf(n)
        from window in WindowItem(g)
        from filters in Where(g)
        from order in Order(n + 1)
        select order(new FuzzQuery { From = $"{table.Name} a", Select = [.. items, window], Where = filters });

    private static Gen<Expr> WindowItem(ExprGen g) =>
        from partition in g.Scalar(ColumnKind.Int4, 0)
        from keyKind in g.AnyKind()
        from key in g.Scalar(keyKind, 0)
        from dir in Gen.Elements("", " DESC", " NULLS FIRST")
        from shape in Gen.Choose(0, 4)
        let pattern = shape switch
        {
            0 => "count(*) OVER ()",
            1 => "count(*) OVER (PARTITION BY {1})",
            2 => "rank() OVER (ORDER BY {0}" + dir + ")",
            3 => "dense_rank() OVER (PARTITION BY {1} ORDER BY {0}" + dir + ")",
            _ => "count({0}) OVER (ORDER BY {0}" + dir + ")",
        }
        select Expr.Op(ColumnKind.Int8, pattern, "window", key, partition);

    private static string Positions(int n) => string.Join(", ", Enumerable.Range(1, n).Select(i => i.ToString(CultureInfo.InvariantCulture)));
}
