using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Generators;

/// <summary>
/// Window functions whose values are fixed whatever order PostgreSQL reads peers in: over one
/// table, ordered by its unique `id` (so every function and frame is deterministic: row_number,
/// ntile, lag/lead, first/last/nth_value, aggregates over ROWS, GROUPS and RANGE frames), or by
/// any key with peer-independent functions (rank, dense_rank, percent_rank, cume_dist, count or an
/// exact sum over the default RANGE frame, which takes in all peers); and over a grouped query,
/// reading its group keys and aggregates.
/// </summary>
public static partial class QueryGen
{
    private static Gen<FuzzQuery> Window(FuzzSchema schema) =>
        Gen.Frequency((3, Lazy(() => ProjectedWindow(schema))), (1, Lazy(() => GroupedWindow(schema))));

    /// <summary>A projection with one or two window functions.</summary>
    private static Gen<FuzzQuery> ProjectedWindow(FuzzSchema schema) =>
        from table in Gen.Elements(schema.Tables.ToArray())
        let g = new ExprGen(ScopeOf(table, "a"), schema, false)
        let id = table.Columns.Any(c => c.Name == "id") ? "a.id" : null
        from n in Gen.Choose(1, 3)
        from items in SelectItem(g).ArrayOf(n)
        from nWindows in Gen.Frequency((3, Gen.Constant(1)), (1, Gen.Constant(2)))
        from windows in WindowItem(g, id).ArrayOf(nWindows)
        from filters in Where(g)
        from order in Order(n + nWindows)
        select order(new FuzzQuery { From = $"{table.Name} a", Select = [.. items, .. windows], Where = filters });

    /// <summary>
    /// `SELECT k.., agg.., w FROM t a GROUP BY k..` where w ranks or sums the groups' aggregates, or
    /// counts the groups per key: windows run after grouping, over the group rows.
    /// </summary>
    private static Gen<FuzzQuery> GroupedWindow(FuzzSchema schema) =>
        from table in Gen.Elements(schema.Tables.ToArray())
        let g = new ExprGen(ScopeOf(table, "a"), schema, false)
        from nKeys in Gen.Frequency((1, Gen.Constant(0)), (4, Gen.Constant(1)), (2, Gen.Constant(2)))
        from keys in Key(g).ArrayOf(nKeys)
        from nAggs in Gen.Choose(1, 3)
        from aggs in g.Aggregate(1).Where(e => !e.Inexact).ArrayOf(nAggs)
        from window in GroupWindowItem(keys, aggs)
        from filters in Where(g)
        from nHaving in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Constant(1)))
        from having in Having(g).ArrayOf(nHaving)
        from order in Order(nKeys + nAggs + 1)
        select order(new FuzzQuery
        {
            From = $"{table.Name} a", Select = [.. keys, .. aggs, window], Where = filters, Grouped = true, GroupBy = keys, Having = having,
        });

    private static Gen<Expr> GroupWindowItem(Expr[] keys, Expr[] aggs)
    {
        var partition = keys.Length == 0 ? "" : "PARTITION BY {1} ";
        var exact = aggs.Where(a => a.Kind.IsInteger() || a.Kind == ColumnKind.Numeric).ToArray();
        Expr[] With(Expr agg) => keys.Length == 0 ? [agg] : [agg, keys[0]];
        return
            from agg in Gen.Elements(aggs)
            from summed in exact.Length == 0 ? Gen.Constant(agg) : Gen.Elements(exact)
            from dir in Gen.Elements("", " DESC", " NULLS FIRST", " DESC NULLS LAST")
            from shape in Gen.Choose(0, 4)
            select shape switch
            {
                0 => Expr.Op(ColumnKind.Int8, "rank() OVER (" + partition + "ORDER BY {0}" + dir + ")", "window-grouped", With(agg)),
                1 => Expr.Op(ColumnKind.Int8, "dense_rank() OVER (ORDER BY {0}" + dir + ")", "window-grouped", agg),
                2 => Expr.Op(ColumnKind.Float8, "cume_dist() OVER (" + partition + "ORDER BY {0}" + dir + ")", "window-grouped", With(agg)),
                3 when exact.Length > 0 => Expr.Op(SumKind(summed.Kind), "sum({0}) OVER (" + partition + ")", "window-grouped", With(summed)),
                _ => Expr.Op(ColumnKind.Int8, "count(*) OVER (" + partition + ")", "window-grouped", With(agg)),
            };
    }

    /// <summary>One window function: over the unique `id` when <paramref name="id"/> is set, else a peer-independent one.</summary>
    private static Gen<Expr> WindowItem(ExprGen g, string? id) =>
        id == null ? PeerIndependentWindow(g) : Gen.Frequency((1, PeerIndependentWindow(g)), (3, Lazy(() => RowOrderedWindow(g, id))));

    /// <summary>Values that depend on peer groups only: any ORDER BY key will do.</summary>
    private static Gen<Expr> PeerIndependentWindow(ExprGen g) =>
        from partition in g.Scalar(ColumnKind.Int4, 0)
        from keyKind in g.AnyKind()
        from key in g.Scalar(keyKind, 0)
        from summed in ExactNumber(g, 1)
        from dir in Gen.Elements("", " DESC", " NULLS FIRST", " DESC NULLS LAST")
        from shape in Gen.Choose(0, 7)
        select shape switch
        {
            0 => Expr.Op(ColumnKind.Int8, "count(*) OVER ()", "window", key, partition),
            1 => Expr.Op(ColumnKind.Int8, "count(*) OVER (PARTITION BY {1})", "window", key, partition),
            2 => Expr.Op(ColumnKind.Int8, "rank() OVER (ORDER BY {0}" + dir + ")", "window", key, partition),
            3 => Expr.Op(ColumnKind.Int8, "dense_rank() OVER (PARTITION BY {1} ORDER BY {0}" + dir + ")", "window", key, partition),
            4 => Expr.Op(ColumnKind.Float8, "percent_rank() OVER (PARTITION BY {1} ORDER BY {0}" + dir + ")", "window", key, partition),
            5 => Expr.Op(ColumnKind.Float8, "cume_dist() OVER (ORDER BY {0}" + dir + ")", "window", key, partition),
            6 => Expr.Op(SumKind(summed.Kind), "sum({2}) OVER (PARTITION BY {1} ORDER BY {0}" + dir + ")", "window", key, partition, summed),
            _ => Expr.Op(ColumnKind.Int8, "count({0}) OVER (ORDER BY {0}" + dir + ")", "window", key, partition),
        };

    /// <summary>
    /// Functions of the rows' order, made deterministic by ordering on the unique id (the template
    /// holds it, so shrinking cannot drop it): row_number, ntile, lag/lead, first/last/nth_value,
    /// and count/sum/avg/min/max over a frame.
    /// </summary>
    private static Gen<Expr> RowOrderedWindow(ExprGen g, string id) =>
        from partition in Gen.Frequency((1, Gen.Constant<Expr?>(null)), (2, g.Scalar(ColumnKind.Int4, 0).Select(e => (Expr?)e)))
        from dir in Gen.Elements("", " DESC")
        from valueKind in g.AnyKind()
        from value in g.Scalar(valueKind, 1)
        from alike in g.AnyKind().Where(PrintsAlike)
        from extreme in g.Scalar(alike, 1)
        from summed in ExactNumber(g, 1)
        from fallback in ExprGen.Literal(valueKind)
        from k in Gen.Choose(1, 3)
        from frame in Frame()
        from shape in Gen.Choose(0, 9)
        let over = " OVER (" + (partition == null ? "" : "PARTITION BY {0} ") + "ORDER BY " + id + dir
        let head = (Expr)(partition ?? Expr.Leaf(ColumnKind.Int4, "0"))
        let n = k.ToString(CultureInfo.InvariantCulture)
        select shape switch
        {
            0 => Expr.Op(ColumnKind.Int8, "row_number()" + over + ")", "window-rows", head),
            1 => Expr.Op(ColumnKind.Int4, "ntile(" + (k + 1).ToString(CultureInfo.InvariantCulture) + ")" + over + ")", "window-rows", head),
            2 => Expr.Op(value.Kind, "lag({1}, " + n + ", {2})" + over + ")", "window-rows", head, value, fallback),
            3 => Expr.Op(value.Kind, "lead({1})" + over + ")", "window-rows", head, value),
            4 => Expr.Op(value.Kind, "first_value({1})" + over + frame + ")", "window-frame", head, value),
            5 => Expr.Op(value.Kind, "last_value({1})" + over + frame + ")", "window-frame", head, value),
            6 => Expr.Op(value.Kind, "nth_value({1}, " + n + ")" + over + frame + ")", "window-frame", head, value),
            7 => Expr.Op(SumKind(summed.Kind), "sum({1})" + over + frame + ")", "window-frame", head, summed),
            8 => Expr.Op(ColumnKind.Numeric, "avg({1})" + over + frame + ")", "window-frame", head, summed),
            _ => Expr.Op(extreme.Kind, (k == 1 ? "min" : "max") + "({1})" + over + frame + ")", "window-frame", head, extreme),
        };

    /// <summary>
    /// A frame clause (or none: RANGE UNBOUNDED PRECEDING to CURRENT ROW): ROWS or GROUPS with any
    /// valid bounds (empty frames such as `1 PRECEDING AND 3 PRECEDING` included), RANGE with offsets
    /// over the int4 id.
    /// </summary>
    private static Gen<string> Frame()
    {
        // PostgreSQL's order of bounds: a start may not come after its end, except offsets of the same direction.
        var bounds = new[] { "UNBOUNDED PRECEDING", "{0} PRECEDING", "CURRENT ROW", "{0} FOLLOWING", "UNBOUNDED FOLLOWING" };
        return
            from mode in Gen.Elements("ROWS", "GROUPS", "RANGE")
            from start in Gen.Choose(0, 3)
            from end in Gen.Choose(1, 4)
            from a in Gen.Choose(0, 3)
            from b in Gen.Choose(0, 3)
            from none in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
            let valid = end > start || (start == end && start is 1 or 3)
            let startSql = string.Format(CultureInfo.InvariantCulture, bounds[start], a)
            let endSql = string.Format(CultureInfo.InvariantCulture, bounds[valid ? end : 4], b)
            select none ? "" : $" {mode} BETWEEN {startSql} AND {endSql}";
    }

    /// <summary>An integer or numeric expression: sums of these are exact in any order.</summary>
    private static Gen<Expr> ExactNumber(ExprGen g, int depth) =>
        from kind in Gen.Elements(ColumnKind.Int2, ColumnKind.Int4, ColumnKind.Int8, ColumnKind.Numeric)
        from e in g.Scalar(kind, depth)
        select e;

    private static ColumnKind SumKind(ColumnKind k) => k is ColumnKind.Int2 or ColumnKind.Int4 ? ColumnKind.Int8 : ColumnKind.Numeric;

    /// <summary>Kinds whose equal values print alike and that have min/max (see ExprGen.PrintsEqualValuesAlike).</summary>
    private static bool PrintsAlike(ColumnKind k) =>
        k is not (ColumnKind.Bool or ColumnKind.Uuid or ColumnKind.Bytea or ColumnKind.Float4 or ColumnKind.Float8 or ColumnKind.Numeric or ColumnKind.Interval);
}
