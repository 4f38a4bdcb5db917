using System.Globalization;
using System.Text;

namespace PgFusion.Fuzz.Queries;

/// <summary>
/// A generated SELECT, kept in parts so the shrinker can drop clauses and simplify expressions.
/// An ORDER BY always lists every output column (by position), which makes the row order total up
/// to rows that print identically, except values PostgreSQL sorts as equal but prints differently
/// (-0 and 0, 1.0 and 1.00, '1 day' and '24 hours'), which the comparer allows for.
/// </summary>
public sealed record FuzzQuery
{
    public string? With { get; init; }

    public required string From { get; init; }

    /// <summary>
    /// <see cref="From"/> with its first join's inputs written the other way round (`b RIGHT JOIN a`
    /// for `a LEFT JOIN b`), the same result, or null when the FROM clause has no such join.
    /// </summary>
    public string? CommutedFrom { get; init; }

    /// <summary>Constructs of the FROM clause (`join-left`, `cte`, ...).</summary>
    public IReadOnlyList<string> FromTags { get; init; } = [];

    public bool Distinct { get; init; }

    /// <summary>`DISTINCT ON (1, .., n)`: the first n output columns; the ORDER BY lists every column, so the row kept per key is fixed.</summary>
    public int? DistinctOn { get; init; }

    /// <summary>`FETCH FIRST <see cref="Limit"/> ROWS WITH TIES` instead of LIMIT (no OFFSET).</summary>
    public bool WithTies { get; init; }

    public required IReadOnlyList<Expr> Select { get; init; }

    public IReadOnlyList<Expr> Where { get; init; } = [];

    /// <summary>An aggregate query (GROUP BY or aggregates in the select list).</summary>
    public bool Grouped { get; init; }

    public IReadOnlyList<Expr> GroupBy { get; init; } = [];

    /// <summary>`ROLLUP`, `CUBE` or `GROUPING SETS` over <see cref="GroupBy"/> (the sets: every key, each key alone, and ()), or null.</summary>
    public string? GroupingSets { get; init; }

    public IReadOnlyList<Expr> Having { get; init; } = [];

    /// <summary>
    /// One direction per leading output column (`DESC NULLS LAST`), or null for no ORDER BY. Fewer
    /// directions than columns (a partial order) only come with <see cref="WithTies"/>, whose rows are
    /// then a fixed multiset in no fixed order.
    /// </summary>
    public IReadOnlyList<string>? OrderBy { get; init; }

    public int? Limit { get; init; }

    public int? Offset { get; init; }

    /// <summary>`UNION ALL` etc. and the right-hand query block.</summary>
    public string? SetOp { get; init; }

    public FuzzQuery? SetOpRight { get; init; }

    public bool Ordered => OrderBy != null && OrderBy.Count >= Select.Count;

    /// <summary>Inside the grammar the CI asserts an offload share for: one table, no subquery, set operation or CTE.</summary>
    public bool SingleTable => FromTags.Count == 0 && SetOp == null && DistinctOn == null && !WithTies && !AllExprs().SelectMany(e => e.Tags()).Any(t => t.Contains("subquery", StringComparison.Ordinal) || t.StartsWith("exists", StringComparison.Ordinal) || t.StartsWith("window", StringComparison.Ordinal));

    /// <summary>
    /// Whether PostgreSQL may legitimately print any of several equal values: a group or DISTINCT
    /// representative, min/max among equal values, set operations.
    /// </summary>
    public bool RepresentativeChoice => Grouped || Distinct || DistinctOn != null || SetOp != null;

    /// <summary>This query with every float sum/avg summing in the order of its argument (<see cref="Expr.WithSummationOrder"/>), in both arms of a set operation.</summary>
    public FuzzQuery WithSummationOrder(bool descending) => this with
    {
        Select = [.. Select.Select(e => e.WithSummationOrder(descending))],
        Having = [.. Having.Select(e => e.WithSummationOrder(descending))],
        SetOpRight = SetOpRight?.WithSummationOrder(descending),
    };

    public IEnumerable<Expr> AllExprs() => Select.Concat(Where).Concat(GroupBy).Concat(Having);

    /// <summary>The constructs this query exercises, for offload statistics.</summary>
    public IReadOnlySet<string> Constructs()
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var e in AllExprs())
            foreach (var t in e.Tags()) set.Add(t);
        foreach (var t in FromTags) set.Add(t);
        if (Where.Count > 0) set.Add("where");
        if (Grouped) set.Add(GroupBy.Count > 0 ? "group-by" : "aggregate-all");
        if (GroupingSets != null && GroupBy.Count > 0) set.Add(GroupingSets.ToLowerInvariant());
        if (Having.Count > 0) set.Add("having");
        if (Distinct) set.Add("distinct");
        if (DistinctOn != null) set.Add("distinct-on");
        if (WithTies && Limit != null) set.Add("with-ties");
        if (OrderBy != null) set.Add("order-by");
        if (Limit != null) set.Add("limit");
        if (Offset != null) set.Add("offset");
        if (SetOp != null) set.Add("setop " + SetOp.ToLowerInvariant());
        if (SetOpRight != null) set.UnionWith(SetOpRight.Constructs());
        if (set.Count == 0 || (!Grouped && SetOp == null)) set.Add("project");
        return set;
    }

    public string Sql
    {
        get
        {
            var sb = new StringBuilder();
            if (With != null) sb.Append(With).Append(' ');
            if (SetOp != null)
                sb.Append(SetOperationSql());
            else if (GroupingSets != null && GroupBy.Count > 0 && OrderBy != null)
                // PostgreSQL 15 treats a grouping-set key that folds to a constant, or that WHERE
                // equates to one, as a constant sort key and drops it, although its rolled-up rows
                // are NULL: `GROUP BY ROLLUP (COALESCE(1e20, c)) ORDER BY 1 NULLS FIRST` returns
                // 1e20 before NULL (seed 221 case 38; fixed in PostgreSQL 18). Sorting the grouped
                // block's output from outside orders it as written, in both engines.
                sb.Append("SELECT * FROM (").Append(Core()).Append(") g");
            else
                sb.Append(Core());
            if (OrderBy != null)
                sb.Append(" ORDER BY ").Append(string.Join(", ", OrderBy.Select((d, i) => (i + 1).ToString(CultureInfo.InvariantCulture) + d)));
            if (Limit != null && WithTies) sb.Append(CultureInfo.InvariantCulture, $" FETCH FIRST {Limit} ROWS WITH TIES");
            else if (Limit != null) sb.Append(CultureInfo.InvariantCulture, $" LIMIT {Limit}");
            if (Offset != null) sb.Append(CultureInfo.InvariantCulture, $" OFFSET {Offset}");
            return sb.ToString();
        }
    }

    /// <summary>`(left) op (right)`, the right arm itself a set operation when it has one: `(A) op ((B) op2 (C))`.</summary>
    private string SetOperationSql() =>
        SetOp == null ? Core() : $"({Core()}) {SetOp} ({SetOpRight!.SetOperationSql()})";

    private string Core()
    {
        var sb = new StringBuilder("SELECT ");
        if (Distinct) sb.Append("DISTINCT ");
        if (DistinctOn is { } on)
            sb.Append("DISTINCT ON (").Append(string.Join(", ", Enumerable.Range(1, on).Select(i => i.ToString(CultureInfo.InvariantCulture)))).Append(") ");
        sb.Append(string.Join(", ", Select.Select(e => e.Sql)));
        sb.Append(" FROM ").Append(From);
        if (Where.Count > 0) sb.Append(" WHERE ").Append(string.Join(" AND ", Where.Select(e => e.Sql)));
        if (GroupBy.Count > 0)
        {
            var keys = string.Join(", ", GroupBy.Select(e => e.Sql));
            sb.Append(" GROUP BY ").Append(GroupingSets switch
            {
                null => keys,
                "GROUPING SETS" => $"GROUPING SETS (({keys}), {string.Join(", ", GroupBy.Select(e => "(" + e.Sql + ")"))}, ())",
                _ => $"{GroupingSets} ({keys})",
            });
        }
        if (Having.Count > 0) sb.Append(" HAVING ").Append(string.Join(" AND ", Having.Select(e => e.Sql)));
        return sb.ToString();
    }

    public override string ToString() => Sql;

    /// <summary>Simpler variants of this query, most aggressive first.</summary>
    public IEnumerable<FuzzQuery> Shrinks()
    {
        if (SetOp != null)
        {
            yield return this with { SetOp = null, SetOpRight = null };
            yield return SetOpRight! with { OrderBy = OrderBy, Limit = Limit, Offset = Offset, With = With };
        }
        if (Limit != null) yield return this with { Limit = null };
        if (Offset != null) yield return this with { Offset = null };
        if (OrderBy != null && Limit == null && Offset == null && DistinctOn == null) yield return this with { OrderBy = null };
        if (Distinct) yield return this with { Distinct = false };
        if (DistinctOn != null) yield return this with { DistinctOn = null };
        if (GroupingSets != null) yield return this with { GroupingSets = null };
        if (Having.Count > 0) yield return this with { Having = [] };
        for (var i = 0; i < Having.Count; i++) yield return this with { Having = Without(Having, i) };
        if (Where.Count > 0) yield return this with { Where = [] };
        for (var i = 0; i < Where.Count; i++) yield return this with { Where = Without(Where, i) };
        if (Select.Count > 1 && SetOp == null && DistinctOn == null)
        {
            for (var i = 0; i < Select.Count; i++)
            {
                var key = GroupBy.Any(g => ReferenceEquals(g, Select[i]));
                yield return this with
                {
                    Select = Without(Select, i),
                    GroupBy = key ? GroupBy.Where(g => !ReferenceEquals(g, Select[i])).ToArray() : GroupBy,
                    OrderBy = OrderBy == null ? null : i >= OrderBy.Count ? OrderBy : OrderBy.Count == 1 ? null : Without(OrderBy, i),
                };
            }
        }
        foreach (var q in ShrinkExprs(Where, w => this with { Where = w })) yield return q;
        foreach (var q in ShrinkExprs(Having, h => this with { Having = h })) yield return q;
        if (GroupBy.Count == 0)
            foreach (var q in ShrinkExprs(Select, s => this with { Select = s })) yield return q;
    }

    private static IEnumerable<FuzzQuery> ShrinkExprs(IReadOnlyList<Expr> list, Func<IReadOnlyList<Expr>, FuzzQuery> rebuild)
    {
        for (var i = 0; i < list.Count; i++)
            foreach (var s in list[i].Shrinks())
            {
                var copy = list.ToArray();
                copy[i] = s;
                yield return rebuild(copy);
            }
    }

    private static T[] Without<T>(IReadOnlyList<T> list, int index) => list.Where((_, i) => i != index).ToArray();
}
