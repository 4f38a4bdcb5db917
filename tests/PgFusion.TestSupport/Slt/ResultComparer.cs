using System.Globalization;
using System.Text;

namespace PgFusion.TestSupport.Slt;

/// <summary>
/// Compares the off (oracle) and on results of one query: columns (names and types), then rows,
/// in order (nosort) or as multisets (rowsort). Values compare as PostgreSQL's text output, exactly,
/// except float (R) columns when a tolerance is given. Returns null when equal, else a readable diff.
/// </summary>
public static class ResultComparer
{
    private const int MaxDiffLines = 20;

    public static string? Compare(QueryOutcome off, QueryOutcome on, string columnTypes, SltSortMode sort, double? tolerance)
    {
        switch (off, on)
        {
            case (QueryError e1, QueryError e2):
                return e1.SqlState == e2.SqlState && e1.Message == e2.Message
                    ? null
                    : $"errors differ:\n  off: {e1}\n  on:  {e2}";
            case (QueryError e, QueryRows r):
                return $"off raised, on returned rows:\n  off: {e}\n  on:  {r.Rows.Count} rows";
            case (QueryRows r, QueryError e):
                return $"on raised, off returned rows:\n  off: {r.Rows.Count} rows\n  on:  {e}";
            case (QueryRows a, QueryRows b):
                return CompareRows(a, b, columnTypes, sort, tolerance);
            default:
                throw new ArgumentException("unknown outcome kind");
        }
    }

    private static string? CompareRows(QueryRows off, QueryRows on, string columnTypes, SltSortMode sort, double? tolerance)
    {
        if (!off.Columns.SequenceEqual(on.Columns))
            return $"columns differ:\n  off: ({string.Join(", ", off.Columns)})\n  on:  ({string.Join(", ", on.Columns)})";

        var tolerant = new bool[off.Columns.Count];
        if (tolerance != null)
            for (var i = 0; i < tolerant.Length && i < columnTypes.Length; i++)
                tolerant[i] = columnTypes[i] == 'R';
        var values = new ValueComparer(tolerant, tolerance ?? 0);

        if (sort == SltSortMode.NoSort)
        {
            var n = Math.Min(off.Rows.Count, on.Rows.Count);
            for (var i = 0; i < n; i++)
                if (!values.RowEquals(off.Rows[i], on.Rows[i]))
                    return OrderedDiff(off.Rows, on.Rows, i);
            return off.Rows.Count == on.Rows.Count ? null : OrderedDiff(off.Rows, on.Rows, n);
        }

        var a = off.Rows.OrderBy(r => r, values).ToList();
        var b = on.Rows.OrderBy(r => r, values).ToList();
        if (a.Count == b.Count && a.Zip(b).All(p => values.RowEquals(p.First, p.Second))) return null;
        return MultisetDiff(a, b, values);
    }

    /// <summary>Rows around the first difference, side by side.</summary>
    private static string OrderedDiff(IReadOnlyList<string?[]> off, IReadOnlyList<string?[]> on, int first)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"rows differ in order/content at row {first + 1} (off has {off.Count} rows, on has {on.Count}):\n");
        var from = Math.Max(0, first - 2);
        var to = Math.Min(Math.Max(off.Count, on.Count), first + MaxDiffLines / 2);
        for (var i = from; i < to; i++)
        {
            var x = i < off.Count ? Render(off[i]) : "(none)";
            var y = i < on.Count ? Render(on[i]) : "(none)";
            var mark = x == y ? " " : "!";
            sb.Append(CultureInfo.InvariantCulture, $"  {mark} row {i + 1}: off {x}\n");
            if (x != y) sb.Append(CultureInfo.InvariantCulture, $"           on  {y}\n");
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>A merge of the two sorted row lists: rows only off (-) and only on (+).</summary>
    private static string MultisetDiff(List<string?[]> off, List<string?[]> on, ValueComparer values)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"row multisets differ (off has {off.Count} rows, on has {on.Count}); - only off, + only on:\n");
        int i = 0, j = 0, shown = 0, hidden = 0;
        while (i < off.Count || j < on.Count)
        {
            int cmp;
            if (i >= off.Count) cmp = 1;
            else if (j >= on.Count) cmp = -1;
            else cmp = values.RowEquals(off[i], on[j]) ? 0 : values.Compare(off[i], on[j]);
            if (cmp == 0) { i++; j++; continue; }
            var line = cmp < 0 ? $"  - {Render(off[i++])}" : $"  + {Render(on[j++])}";
            if (shown++ < MaxDiffLines) sb.Append(line).Append('\n');
            else hidden++;
        }
        if (hidden > 0) sb.Append(CultureInfo.InvariantCulture, $"  ... and {hidden} more differing rows\n");
        return sb.ToString().TrimEnd();
    }

    /// <summary>One row as `a | b | NULL`; values that would be ambiguous (empty, spaces, separators) are quoted.</summary>
    public static string Render(string?[] row) => string.Join(" | ", row.Select(RenderValue));

    private static string RenderValue(string? v)
    {
        if (v == null) return "NULL";
        var needsQuotes = v.Length == 0 || v == "NULL" || v.Trim() != v || v.Contains('|', StringComparison.Ordinal)
            || v.Contains('\n', StringComparison.Ordinal) || v.Contains('\'', StringComparison.Ordinal);
        return needsQuotes ? "'" + v.Replace("'", "''", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "'" : v;
    }

    /// <summary>Orders rows (nulls first, text ordinally, tolerant columns numerically) and tests equality.</summary>
    private sealed class ValueComparer(bool[] tolerant, double tolerance) : IComparer<string?[]>
    {
        public int Compare(string?[]? x, string?[]? y)
        {
            for (var i = 0; i < x!.Length; i++)
            {
                var c = CompareValue(i, x[i], y![i]);
                if (c != 0) return c;
            }
            return 0;
        }

        private int CompareValue(int column, string? a, string? b)
        {
            if (a == null || b == null) return (a == null ? 0 : 1) - (b == null ? 0 : 1);
            if (tolerant[column] && TryParse(a, out var x) && TryParse(b, out var y))
                return x.CompareTo(y); // NaN sorts first, consistently on both sides
            return string.CompareOrdinal(a, b);
        }

        public bool RowEquals(string?[] x, string?[] y)
        {
            if (x.Length != y.Length) return false;
            for (var i = 0; i < x.Length; i++)
                if (!ValueEquals(i, x[i], y[i])) return false;
            return true;
        }

        private bool ValueEquals(int column, string? a, string? b)
        {
            if (a == null || b == null) return a == null && b == null;
            if (a == b) return true;
            if (!tolerant[column] || !TryParse(a, out var x) || !TryParse(b, out var y)) return false;
            if (double.IsNaN(x) || double.IsNaN(y) || double.IsInfinity(x) || double.IsInfinity(y)) return x.Equals(y);
            return Math.Abs(x - y) <= tolerance * Math.Max(1.0, Math.Max(Math.Abs(x), Math.Abs(y)));
        }

        private static bool TryParse(string s, out double d) =>
            double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d);
    }
}
