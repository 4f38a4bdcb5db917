using System.Globalization;
using System.Text;
using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Running;

/// <summary>
/// Compares the oracle's result (pg_fusion off) with pg_fusion's: the same error SQLSTATE, or the
/// same columns (names and type OIDs) and rows, in order under ORDER BY, as multisets otherwise.
/// Values compare as PostgreSQL's text output, exactly (numeric scale and float digits included),
/// except where PostgreSQL itself leaves a choice open (see <see cref="VerdictKind.Equivalent"/>).
/// </summary>
public static class OutcomeComparer
{
    private const uint Float4Oid = 700, Float8Oid = 701, NumericOid = 1700, IntervalOid = 1186, BpcharOid = 1042;

    /// <summary>Relative tolerance for float8 sums and averages whose rounding depends on summation order.</summary>
    public const double FloatTolerance = 1e-9;

    /// <summary>
    /// The same for float4 results (sum(float4) adds in float4, float4pl): each addition rounds to
    /// 24 bits (unit roundoff 2^-24 = 6e-8, 2^29 times float8's), so two orders of the same terms
    /// can differ by several float4 units in the last place; 1e-5 is ~170 of them.
    /// </summary>
    public const double Float4Tolerance = 1e-5;

    /// <summary>The tolerance for a float column of type <paramref name="oid"/> (float4 or float8).</summary>
    public static double ToleranceFor(uint oid) => oid == Float4Oid ? Float4Tolerance : FloatTolerance;

    /// <summary>
    /// The relative tolerance of output column <paramref name="column"/> (type <paramref name="oid"/>),
    /// 0 for an exact comparison. Only a float column whose expression (in either arm of a set
    /// operation) contains an order-dependent float aggregate (sum/avg over float4/float8) is
    /// tolerant, also through arithmetic or COALESCE over the aggregate (seed 171 case 3738:
    /// `sum(float4) * 2 + 0::float4` is float8, but its error is the float4 sum's). The tolerance is
    /// the loosest of its aggregates' (float4's when sum(float4), which adds in float4; avg(float4)
    /// accumulates in float8) and of the column's own type. Integer, numeric, and float columns
    /// computed without such an aggregate stay exact, even in the same query.
    /// </summary>
    public static double ColumnTolerance(FuzzQuery query, int column, uint oid)
    {
        if (oid is not (Float4Oid or Float8Oid)) return 0;
        var aggregate = 0.0;
        for (var q = query; q != null; q = q.SetOpRight)
            if (column < q.Select.Count) aggregate = Math.Max(aggregate, AggregateTolerance(q.Select[column]));
        return aggregate == 0 ? 0 : Math.Max(aggregate, ToleranceFor(oid));
    }

    /// <summary>The loosest tolerance of the order-dependent aggregates in <paramref name="e"/>, 0 when it has none.</summary>
    private static double AggregateTolerance(Expr e)
    {
        var own = e.Inexact ? (e.Kind == ColumnKind.Float4 ? Float4Tolerance : FloatTolerance) : 0;
        return e.Args.Aggregate(own, (t, a) => Math.Max(t, AggregateTolerance(a)));
    }

    /// <summary><see cref="ColumnTolerance"/> of every output column.</summary>
    public static double[] ColumnTolerances(FuzzQuery query, IReadOnlyList<(string Name, uint TypeOid)> columns) =>
        columns.Select((c, i) => ColumnTolerance(query, i, c.TypeOid)).ToArray();

    /// <summary>
    /// The verdict on the two outcomes alone. A one-sided data exception is a mismatch here; the
    /// runner turns it into <see cref="VerdictKind.PlanDependent"/> when PostgreSQL reproduces
    /// pg_fusion's outcome under another plan, or into an error gap when <paramref name="tolerateErrorGaps"/>.
    /// </summary>
    public static Verdict Compare(Outcome off, Outcome on, FuzzQuery query, bool tolerateErrorGaps = false)
    {
        var verdict = CompareOutcomes(off, on, query);
        if (tolerateErrorGaps && verdict.IsMismatch && IsErrorGap(off, on)) return verdict with { Kind = VerdictKind.ErrorGap };
        return verdict;
    }

    /// <summary>
    /// Outcomes that differ only in which run-time error fires: one side raised a data exception
    /// (class 22, or 0A000 such as "cannot convert NaN to integer") and the other returned rows or
    /// raised another such error. Which one fires depends on evaluation order (constant folding at
    /// plan time, WHERE conjuncts ordered by cost, LIMIT stopping early), see <see cref="VerdictKind.ErrorGap"/>.
    /// </summary>
    public static bool IsErrorGap(Outcome off, Outcome on) => (off, on) switch
    {
        (ErrorOutcome a, RowsOutcome) => EvaluationError(a),
        (RowsOutcome, ErrorOutcome b) => EvaluationError(b),
        (ErrorOutcome a, ErrorOutcome b) => EvaluationError(a) && EvaluationError(b),
        _ => false,
    };

    private static bool EvaluationError(ErrorOutcome e) => e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState == "0A000";

    /// <summary>The message of float4pl/float8pl/float8mul's overflow check (float_overflow_error), SQLSTATE 22003.</summary>
    public const string FloatOverflowMessage = "value out of range: overflow";

    /// <summary>
    /// Whether a one-sided error may be two summation orders of one float aggregate (seed 515 case
    /// 2624): one side raised exactly float4pl/float8pl's overflow (22003 with
    /// <see cref="FloatOverflowMessage"/>), the other returned rows, and the query has a sum or avg
    /// over float4/float8 (<see cref="Expr.Inexact"/>, in its select list or HAVING, either arm of a
    /// set operation). float8pl raises when two finite terms sum to infinity, but an infinite term
    /// absorbs the rest without raising and a cancelling one keeps the sum finite: over {1e308,
    /// 1e308, -Infinity} the order 1e308 + 1e308 raises, 1e308 + -Infinity + 1e308 gives -Infinity,
    /// and PostgreSQL's order is its plan's (a Sort keeps no order among equal keys). Not a verdict
    /// by itself: the runner accepts it as plan-dependent only when PostgreSQL summing in the order
    /// of the argument (<see cref="FuzzQuery.WithSummationOrder"/>, ascending or descending: an
    /// infinite or cancelling term first) gives the other side's outcome.
    /// </summary>
    public static bool MayBeSummationOrder(Outcome off, Outcome on, FuzzQuery query) => (off, on) switch
    {
        (ErrorOutcome e, RowsOutcome) => IsFloatOverflow(e) && HasInexactAggregate(query),
        (RowsOutcome, ErrorOutcome e) => IsFloatOverflow(e) && HasInexactAggregate(query),
        _ => false,
    };

    private static bool IsFloatOverflow(ErrorOutcome e) => e.SqlState == "22003" && e.Message == FloatOverflowMessage;

    /// <summary>Whether the query has a float sum or avg (<see cref="Expr.Inexact"/>) in its select list or HAVING, in either arm of a set operation.</summary>
    public static bool HasInexactAggregate(FuzzQuery query)
    {
        static bool Inexact(Expr e) => e.Inexact || e.Args.Any(Inexact);
        for (var q = query; q != null; q = q.SetOpRight)
            if (q.Select.Concat(q.Having).Any(Inexact)) return true;
        return false;
    }

    private static Verdict CompareOutcomes(Outcome off, Outcome on, FuzzQuery query)
    {
        switch (off, on)
        {
            case (LostOutcome l, _):
                return new Verdict(VerdictKind.Skipped, "oracle lost its connection: " + l.Message);
            case (ErrorOutcome { SqlState: "57014" }, _):
                return new Verdict(VerdictKind.Skipped, "oracle timed out");
            case (_, LostOutcome l):
                return new Verdict(VerdictKind.Mismatch, "pg_fusion on: connection lost (crash?): " + l.Message);
            case (ErrorOutcome a, ErrorOutcome b):
                if (a.SqlState != b.SqlState) return new Verdict(VerdictKind.Mismatch, $"errors differ:\n  off: {a}\n  on:  {b}");
                return a.Message == b.Message ? Verdict.Equal : new Verdict(VerdictKind.Equivalent, $"same SQLSTATE, messages differ:\n  off: {a}\n  on:  {b}");
            case (ErrorOutcome a, RowsOutcome b):
                return new Verdict(VerdictKind.Mismatch, $"off raised, on returned rows:\n  off: {a}\n  on:  {b}");
            case (RowsOutcome a, ErrorOutcome b):
                return new Verdict(VerdictKind.Mismatch, $"on raised, off returned rows:\n  off: {a}\n  on:  {b}");
            case (RowsOutcome a, RowsOutcome b):
                return CompareRows(a, b, query);
            default:
                throw new ArgumentException("unknown outcome kind");
        }
    }

    private static Verdict CompareRows(RowsOutcome off, RowsOutcome on, FuzzQuery q)
    {
        if (!off.Columns.SequenceEqual(on.Columns))
            return new Verdict(VerdictKind.Mismatch, $"columns differ:\n  off: {string.Join(", ", off.Columns)}\n  on:  {string.Join(", ", on.Columns)}");
        if (off.Rows.Count != on.Rows.Count)
            return new Verdict(VerdictKind.Mismatch, $"row counts differ: off {off.Rows.Count}, on {on.Rows.Count}\n{Diff(off, on, q.Ordered)}");
        var oids = off.Columns.Select(c => c.TypeOid).ToArray();
        var tolerances = ColumnTolerances(q, off.Columns);
        var inexact = tolerances.Any(t => t > 0);
        var loose = new RowComparer(oids, tolerances);

        if (q.Ordered)
        {
            if (off.Rows.Zip(on.Rows).All(p => ExactEquals(p.First, p.Second))) return Verdict.Equal;
            for (var i = 0; i < off.Rows.Count; i++)
                if (loose.Compare(off.Rows[i], on.Rows[i]) != 0)
                    return new Verdict(VerdictKind.Mismatch, $"ordered rows differ at row {i + 1}:\n  off: {Render(off.Rows[i])}\n  on:  {Render(on.Rows[i])}");
            // Same sequence up to equal-sorting values: within each run of equal-sorting rows the
            // exact texts must agree too, unless PostgreSQL could have printed either.
            var start = 0;
            for (var i = 1; i <= off.Rows.Count; i++)
            {
                if (i < off.Rows.Count && loose.Compare(off.Rows[i - 1], off.Rows[i]) == 0) continue;
                var boundary = (start == 0 && q.Offset > 0) || (i == off.Rows.Count && q.Limit != null);
                if (!q.RepresentativeChoice && !boundary && !inexact && !SameMultiset(off.Rows.Skip(start).Take(i - start), on.Rows.Skip(start).Take(i - start)))
                    return new Verdict(VerdictKind.Mismatch, $"rows {start + 1}..{i} sort equal but print differently:\n{Diff(off, on, true)}");
                start = i;
            }
            return new Verdict(VerdictKind.Equivalent, "equal up to equal-sorting values");
        }

        if (SameMultiset(off.Rows, on.Rows)) return Verdict.Equal;
        var a = off.Rows.OrderBy(r => r, loose).ToList();
        var b = on.Rows.OrderBy(r => r, loose).ToList();
        var looseEqual = a.Zip(b).All(p => loose.Compare(p.First, p.Second) == 0);
        if (looseEqual && (q.RepresentativeChoice || inexact))
            return new Verdict(VerdictKind.Equivalent, "equal up to representatives of equal values / float tolerance");
        return new Verdict(VerdictKind.Mismatch, "row multisets differ:\n" + Diff(off, on, false));
    }

    private static bool ExactEquals(string?[] a, string?[] b) => a.AsSpan().SequenceEqual(b);

    private static bool SameMultiset(IEnumerable<string?[]> a, IEnumerable<string?[]> b)
    {
        var x = a.Select(Render).Order(StringComparer.Ordinal).ToList();
        var y = b.Select(Render).Order(StringComparer.Ordinal).ToList();
        return x.SequenceEqual(y, StringComparer.Ordinal);
    }

    /// <summary>Rows only in off (-) and only in on (+), at most 12 lines; or side by side for ordered results.</summary>
    private static string Diff(RowsOutcome off, RowsOutcome on, bool ordered)
    {
        var sb = new StringBuilder();
        if (ordered)
        {
            for (var i = 0; i < Math.Max(off.Rows.Count, on.Rows.Count) && i < 12; i++)
            {
                var x = i < off.Rows.Count ? Render(off.Rows[i]) : "(none)";
                var y = i < on.Rows.Count ? Render(on.Rows[i]) : "(none)";
                sb.Append(CultureInfo.InvariantCulture, $"  {(x == y ? ' ' : '!')} {i + 1}: off {x}{(x == y ? "" : "\n       on  " + y)}\n");
            }
            return sb.ToString().TrimEnd();
        }
        var left = off.Rows.Select(Render).GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var right = on.Rows.Select(Render).GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var lines = new List<string>();
        foreach (var (k, n) in left)
            for (var i = right.GetValueOrDefault(k); i < n; i++) lines.Add("  - " + k);
        foreach (var (k, n) in right)
            for (var i = left.GetValueOrDefault(k); i < n; i++) lines.Add("  + " + k);
        return string.Join('\n', lines.Take(12)) + (lines.Count > 12 ? $"\n  ... {lines.Count - 12} more" : "");
    }

    public static string Render(string?[] row) =>
        string.Join(" | ", row.Select(v => v == null ? "NULL" : v.Length == 0 || v.Trim() != v || v == "NULL" || v.Contains('|', StringComparison.Ordinal) ? "'" + v + "'" : v));

    /// <summary>Orders rows by PostgreSQL's notion of equality: -0 = 0, 1.0 = 1.00, '1 day' = '24 hours', char(n) padding ignored; floats within a column's tolerance (0: exact).</summary>
    private sealed class RowComparer(uint[] oids, double[] tolerances) : IComparer<string?[]>
    {
        public int Compare(string?[]? x, string?[]? y)
        {
            for (var i = 0; i < oids.Length; i++)
            {
                var c = CompareValue(oids[i], tolerances[i], x![i], y![i]);
                if (c != 0) return c;
            }
            return 0;
        }

        private static int CompareValue(uint oid, double tolerance, string? a, string? b)
        {
            if (a == null || b == null) return (a == null ? 0 : 1) - (b == null ? 0 : 1);
            switch (oid)
            {
                case Float4Oid or Float8Oid when ParseDouble(a, out var x) && ParseDouble(b, out var y):
                    if (x == y || (double.IsNaN(x) && double.IsNaN(y))) return 0;
                    if (tolerance > 0 && !double.IsInfinity(x) && !double.IsInfinity(y) && !double.IsNaN(x) && !double.IsNaN(y)
                        && Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Max(Math.Abs(x), Math.Abs(y)))) return 0;
                    return x.CompareTo(y);
                case NumericOid:
                    return string.CompareOrdinal(NormalizeNumeric(a), NormalizeNumeric(b));
                case IntervalOid:
                    return IntervalMicros(a).CompareTo(IntervalMicros(b));
                case BpcharOid:
                    return string.CompareOrdinal(a.TrimEnd(' '), b.TrimEnd(' '));
                default:
                    return string.CompareOrdinal(a, b);
            }
        }

        private static bool ParseDouble(string s, out double d) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d);

        private static string NormalizeNumeric(string s)
        {
            if (!s.Contains('.', StringComparison.Ordinal)) return s;
            s = s.TrimEnd('0').TrimEnd('.');
            return s is "-0" or "" ? "0" : s;
        }

        /// <summary>An interval in PostgreSQL's default output style as comparable units (1 mon = 30 days, 1 day = 24 h).</summary>
        private static decimal IntervalMicros(string s)
        {
            const decimal day = 86_400_000_000m;
            decimal total = 0;
            var parts = s.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i < parts.Length; i++)
            {
                var p = parts[i];
                if (p.Contains(':', StringComparison.Ordinal))
                {
                    var neg = p.StartsWith('-');
                    var hms = p.TrimStart('-', '+').Split(':');
                    var t = decimal.Parse(hms[0], CultureInfo.InvariantCulture) * 3_600_000_000m + decimal.Parse(hms[1], CultureInfo.InvariantCulture) * 60_000_000m
                        + decimal.Parse(hms[2], CultureInfo.InvariantCulture) * 1_000_000m;
                    total += neg ? -t : t;
                }
                else if (i + 1 < parts.Length && decimal.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
                {
                    var unit = parts[++i];
                    total += n * (unit.StartsWith("year", StringComparison.Ordinal) ? 360 * day : unit.StartsWith("mon", StringComparison.Ordinal) ? 30 * day : day);
                }
            }
            return total;
        }
    }
}
