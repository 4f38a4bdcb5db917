using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Generators;

/// <summary>Row-choosing clauses over one table: DISTINCT ON, FETCH FIRST ... WITH TIES.</summary>
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

    private static string Positions(int n) => string.Join(", ", Enumerable.Range(1, n).Select(i => i.ToString(CultureInfo.InvariantCulture)));
}
