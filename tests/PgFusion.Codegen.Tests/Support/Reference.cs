namespace PgFusion.Codegen.Tests.Support;

/// <summary>One ORDER BY key of the reference: a value (null = NULL), descending, NULLS FIRST.</summary>
public sealed record RefKey(Func<GridRow, object?> Value, bool Descending = false, bool NullsFirst = false);

/// <summary>
/// The operators the grids test, written the slow, obvious way over <see cref="GridRow"/>s with
/// PostgreSQL's NULL semantics: a NULL join key never matches, a NULL residual rejects, NULLs are
/// equal for grouping, DISTINCT and set operations, and sort last ascending unless NULLS FIRST.
/// </summary>
public static class Reference
{
    /// <summary>Values of one type ordered as PostgreSQL orders them (text by bytes, the C collation).</summary>
    public static int CompareValues(object a, object b) => (a, b) switch
    {
        (string x, string y) => string.CompareOrdinal(x, y),
        (bool x, bool y) => x.CompareTo(y),
        (IComparable x, RefFloat or RefNumeric) => x.CompareTo(b),
        _ => Convert.ToDecimal(a, System.Globalization.CultureInfo.InvariantCulture).CompareTo(Convert.ToDecimal(b, System.Globalization.CultureInfo.InvariantCulture)),
    };

    /// <summary>One key's comparison with its direction and NULL placement.</summary>
    public static int Compare(object? a, object? b, bool descending, bool nullsFirst)
    {
        if (a is null || b is null)
        {
            if (a is null && b is null) return 0;
            return (a is null) == nullsFirst ? -1 : 1;
        }
        int c = CompareValues(a, b);
        return descending ? -c : c;
    }

    public static int Compare(GridRow x, GridRow y, IReadOnlyList<RefKey> keys)
    {
        foreach (var k in keys)
        {
            int c = Compare(k.Value(x), k.Value(y), k.Descending, k.NullsFirst);
            if (c != 0) return c;
        }
        return 0;
    }

    /// <summary>A stable sort by <paramref name="keys"/>.</summary>
    public static List<GridRow> Sort(IEnumerable<GridRow> rows, params RefKey[] keys) =>
        [.. rows.Select((r, i) => (r, i)).Order(Comparer<(GridRow r, int i)>.Create((a, b) => Compare(a.r, b.r, keys) is var c && c != 0 ? c : a.i.CompareTo(b.i))).Select(p => p.r)];

    /// <summary>SQL equality of two keys: NULL on either side is not a match.</summary>
    public static bool KeyEquals(object? a, object? b) => a is not null && b is not null && CompareValues(a, b) == 0;

    /// <summary>
    /// A join by nested loops: the matching pairs, then for outer joins the unmatched rows of the
    /// preserved side(s) with null on the other. <paramref name="match"/> is the whole ON clause,
    /// true only when it is TRUE (not FALSE or NULL).
    /// </summary>
    public static List<(GridRow? L, GridRow? R)> Join(IReadOnlyList<GridRow> left, IReadOnlyList<GridRow> right, Func<GridRow, GridRow, bool> match, bool keepLeft, bool keepRight)
    {
        var result = new List<(GridRow?, GridRow?)>();
        var rightMatched = new bool[right.Count];
        foreach (var l in left)
        {
            bool any = false;
            for (int i = 0; i < right.Count; i++)
            {
                if (!match(l, right[i])) continue;
                result.Add((l, right[i]));
                any = rightMatched[i] = true;
            }
            if (!any && keepLeft) result.Add((l, null));
        }
        if (keepRight)
            for (int i = 0; i < right.Count; i++)
                if (!rightMatched[i]) result.Add((null, right[i]));
        return result;
    }

    /// <summary>A row's text values as one multiset key (NULL distinct from every string).</summary>
    public static string RowKey(string?[] row) => string.Join("\u0001", row.Select(v => v ?? "\u0000"));

    /// <summary>DISTINCT: the first of each group of equal rows (NULLs equal).</summary>
    public static IEnumerable<string?[]> Distinct(IEnumerable<string?[]> rows) => rows.GroupBy(RowKey).Select(g => g.First());

    /// <summary>
    /// UNION / INTERSECT / EXCEPT [ALL] over rows as text (every column here prints canonically, so
    /// equal text is equal values): with ALL a row appears l + r, min(l, r) or max(l - r, 0) times;
    /// without, once if it is in either, both, or only the left input.
    /// </summary>
    public static IEnumerable<string?[]> SetOp(string op, bool all, IEnumerable<string?[]> left, IEnumerable<string?[]> right)
    {
        var l = left.GroupBy(RowKey).ToDictionary(g => g.Key, g => (Row: g.First(), Count: g.Count()));
        var r = right.GroupBy(RowKey).ToDictionary(g => g.Key, g => (Row: g.First(), Count: g.Count()));
        IEnumerable<(string?[] Row, int Count)> counted = op switch
        {
            "UNION" => l.Keys.Union(r.Keys).Select(k => ((l.TryGetValue(k, out var a) ? a.Row : r[k].Row), Count(l, k) + Count(r, k))),
            "INTERSECT" => l.Select(p => (p.Value.Row, Math.Min(p.Value.Count, Count(r, p.Key)))),
            // EXCEPT removes a row's every copy, EXCEPT ALL as many copies as the right side has
            "EXCEPT" => l.Select(p => (p.Value.Row, all ? Math.Max(p.Value.Count - Count(r, p.Key), 0) : Count(r, p.Key) == 0 ? 1 : 0)),
            _ => throw new ArgumentException(op),
        };
        return counted.Where(c => c.Count > 0).SelectMany(c => Enumerable.Repeat(c.Row, all ? c.Count : 1));
    }

    private static int Count(Dictionary<string, (string?[] Row, int Count)> counts, string key) => counts.TryGetValue(key, out var c) ? c.Count : 0;

    /// <summary>Rows grouped on a key tuple (NULLs equal), the groups in no particular order.</summary>
    public static IEnumerable<IGrouping<string, GridRow>> GroupBy(IEnumerable<GridRow> rows, Func<GridRow, object?[]> key) =>
        rows.GroupBy(r => RowKey([.. key(r).Select(v => v is null ? null : GridRow.Text(v))]));

    /// <summary>PostgreSQL's integer modulo (the sign of the dividend, as C#'s %), NULL in NULL out.</summary>
    public static long? Mod(long? a, long b) => a is { } x ? x % b : null;
}
