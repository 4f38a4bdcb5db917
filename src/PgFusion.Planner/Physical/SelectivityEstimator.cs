using System.Globalization;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Physical;

/// <summary>
/// Selectivity of predicates from pg_statistic, following PostgreSQL's selfuncs.c in simplified
/// form: eqsel (MCVs, then the remaining non-null fraction spread over the other distinct values),
/// scalarineqsel (MCVs plus linear interpolation in the histogram), null tests from null_frac,
/// AND as a product, OR by inclusion-exclusion. Defaults are PostgreSQL's (0.005 equality, 1/3
/// inequality) when statistics are missing.
/// </summary>
public sealed class SelectivityEstimator(QueryCatalog catalog, IReadOnlyDictionary<int, ColumnOrigin> origins)
{
    private const double DefaultEquality = 0.005;
    private const double DefaultInequality = 1.0 / 3.0;
    private const double DefaultUnknown = 0.5;

    /// <summary>PostgreSQL's DEFAULT_MATCH_SEL: LIKE's estimate where nothing better is known (a fixed prefix without a histogram, a pattern across two relations).</summary>
    private const double DefaultMatch = 0.005;

    /// <summary>The predicate's selectivity, always in [0, 1] (<see cref="Estimates.Selectivity"/>).</summary>
    public double Estimate(BoundExpr predicate) => Estimates.Selectivity(Selectivity(predicate), DefaultUnknown);

    private double Selectivity(BoundExpr e)
    {
        switch (e)
        {
            case BoundConst c: return c.Value is true ? 1 : 0;
            case BoundBoolExpr { Op: BoolOp.And } b: return Conjunction(b.Args);
            case BoundBoolExpr { Op: BoolOp.Or } b: return b.Args.Aggregate(0.0, (s, a) => { double x = Selectivity(a); return s + x - (s * x); });
            case BoundBoolExpr { Op: BoolOp.Not } b: return 1 - Selectivity(b.Args[0]);
            case BoundNullTest n:
                double nullFrac = Origin(n.Arg)?.Statistics?.NullFrac ?? DefaultEquality;
                return n.IsNotNull ? 1 - nullFrac : nullFrac;
            case BoundFuncCall { Args.Count: 2 } f when catalog.OperatorOfFunction(f.FuncOid) is { } op:
                return Comparison(op.Name, f.Args[0], f.Args[1]);
            // clause_selectivity: a DistinctExpr is estimated as its "=" operator, negated (IS NOT
            // DISTINCT FROM, a NOT over it, comes back to the operator's own estimate); seed 790
            // case 6727: the CASE it expands to took 0.5 and an INTERSECT read the other arm first
            case BoundCase { Origin: CaseOrigin.DistinctFrom } c when Rules.QualOrdering.OperatorOf(c) is { } eq && catalog.OperatorOfFunction(eq.FuncOid) is { } op:
                return 1 - Comparison(op.Name, eq.Args[0], eq.Args[1]);
            case LogicalColumnRef r when r.Type.Oid == PgTypeOid.Bool:
                return Equality(Origin(r), new BoundConst(true, PgType.Bool));
            default:
                return DefaultUnknown;
        }
    }

    /// <summary>
    /// AND of its arguments as independent, except that a lower and an upper bound on one column
    /// form a range, as PostgreSQL's clauselist_selectivity does: sel(x &gt; lo) + sel(x &lt; hi) - 1,
    /// plus the null fraction both bounds removed; a range that comes out empty gets 1e-10.
    /// </summary>
    private double Conjunction(IReadOnlyList<BoundExpr> args)
    {
        double product = 1;
        var ranges = new Dictionary<int, (double? Low, double? High, double NullFrac)>();
        foreach (var a in args)
        {
            if (RangeBound(a) is not var (column, isLow, nullFrac))
            {
                product *= Selectivity(a);
                continue;
            }
            double s = Selectivity(a);
            var range = ranges.GetValueOrDefault(column, (null, null, nullFrac));
            range = isLow ? range with { Low = Math.Min(range.Low ?? 1, s) } : range with { High = Math.Min(range.High ?? 1, s) };
            ranges[column] = range;
        }
        foreach (var (low, high, nullFrac) in ranges.Values)
        {
            if (low is { } lo && high is { } hi)
            {
                double s = lo + hi - 1 + nullFrac;
                product *= s <= 0 ? 1e-10 : s;
            }
            else
            {
                product *= low ?? high ?? 1;
            }
        }
        return product;
    }

    /// <summary>A comparison of a column with a constant that bounds it from below (&gt;, &gt;=) or above (&lt;, &lt;=).</summary>
    private (int Column, bool IsLow, double NullFrac)? RangeBound(BoundExpr e)
    {
        if (e is not BoundFuncCall { Args: [var left, var right] } f || catalog.OperatorOfFunction(f.FuncOid)?.Name is not ("<" or "<=" or ">" or ">=") || catalog.OperatorOfFunction(f.FuncOid)?.Name is not { } op)
            return null;
        if (left.UnwrapRelabel() is LogicalColumnRef l && EstimationConstant(right) is not null)
            return (l.Column.Id, op is ">" or ">=", Origin(l)?.Statistics?.NullFrac ?? 0);
        if (right.UnwrapRelabel() is LogicalColumnRef r && EstimationConstant(left) is not null)
            return (r.Column.Id, op is "<" or "<=", Origin(r)?.Statistics?.NullFrac ?? 0);
        return null;
    }

    private double Comparison(string op, BoundExpr left, BoundExpr right)
    {
        if (EstimationConstant(left) is not null && EstimationConstant(right) is null)
        {
            (left, right) = (right, left);
            op = op switch { "<" => ">", ">" => "<", "<=" => ">=", ">=" => "<=", _ => op };
        }
        var origin = Origin(left);
        if (EstimationConstant(right) is not { } constant)
            return op switch
            {
                "=" => DefaultEquality,
                "<>" => 1 - DefaultEquality,
                // patternsel without a constant pattern: DEFAULT_MATCH_SEL, or its complement when negated
                // (seed 690 case 1030: 1/3 made an INTERSECT read its filtered arm first)
                "~~" => DefaultMatch,
                "!~~" => 1 - DefaultMatch,
                _ => DefaultInequality,
            };
        if (constant.Value is null) return 0;
        return op switch
        {
            "=" => Equality(origin, constant),
            "<>" => 1 - Equality(origin, constant) - (origin?.Statistics?.NullFrac ?? 0),
            "<" or "<=" => Below(origin, constant, op == "<="),
            // Without statistics scalarineqsel gives DEFAULT_INEQ_SEL for either direction.
            ">" or ">=" => origin?.Statistics is null ? DefaultInequality : 1 - Below(origin, constant, op == ">") - origin.Statistics.NullFrac,
            "~~" => Like(origin, constant),
            "!~~" => Math.Max(0, 1 - Like(origin, constant) - (origin?.Statistics?.NullFrac ?? 0)),
            _ => DefaultUnknown,
        };
    }

    private static double Equality(ColumnOrigin? origin, BoundConst constant)
    {
        var stats = origin?.Statistics;
        // var_eq_const without statistics: the values taken as equally common (2 for a boolean,
        // the tuples of a small or uniquely indexed table, else 200: DEFAULT_EQ_SEL)
        if (stats is null) return origin is null ? DefaultEquality : 1.0 / origin.NumDistinct();
        var key = Key.Of(ExpressionFormatter.ConstText(constant), constant.Type);
        double mcvTotal = 0;
        int mcvCount = stats.McvValues?.Count ?? 0;
        var mcvKeys = ParsedStatistics.Of(stats, constant.Type).McvKeys;
        for (int i = 0; i < mcvCount; i++)
        {
            double freq = stats.McvFreqs is { } fr && i < fr.Count ? fr[i] : 0;
            if (mcvKeys[i].CompareTo(key) == 0) return freq;
            mcvTotal += freq;
        }
        double distinct = stats.DistinctValues(origin!.RelTuples) ?? 200;
        double others = Math.Max(1, distinct - mcvCount);
        return Math.Max(0, 1 - stats.NullFrac - mcvTotal) / others;
    }

    /// <summary>Fraction of all rows with value below the constant (or equal, when <paramref name="inclusive"/>).</summary>
    private static double Below(ColumnOrigin? origin, BoundConst constant, bool inclusive)
    {
        var stats = origin?.Statistics;
        if (stats is null) return DefaultInequality;
        var key = Key.Of(ExpressionFormatter.ConstText(constant), constant.Type);
        double mcvBelow = 0, mcvTotal = 0;
        var parsed = ParsedStatistics.Of(stats, constant.Type);
        for (int i = 0; i < (stats.McvValues?.Count ?? 0); i++)
        {
            double freq = stats.McvFreqs is { } fr && i < fr.Count ? fr[i] : 0;
            int cmp = parsed.McvKeys[i].CompareTo(key);
            if (cmp < 0 || (inclusive && cmp == 0)) mcvBelow += freq;
            mcvTotal += freq;
        }
        double rest = Math.Max(0, 1 - stats.NullFrac - mcvTotal);
        if (stats.Histogram is not { Count: >= 2 })
            return mcvBelow + (mcvTotal > 0 ? 0 : rest * DefaultInequality);
        return mcvBelow + (rest * HistogramFraction(parsed.HistogramKeys, key));
    }

    private static double HistogramFraction(Key[] bounds, Key value)
    {
        int bins = bounds.Length - 1;
        var first = bounds[0];
        if (value.CompareTo(first) <= 0) return 0;
        for (int i = 0; i < bins; i++)
        {
            var hi = bounds[i + 1];
            if (value.CompareTo(hi) < 0)
            {
                var lo = bounds[i];
                double within = lo.Number is { } a && hi.Number is { } b && value.Number is { } v ? BinFraction(v, a, b) : 0.5;
                return (i + within) / bins;
            }
        }
        return 1;
    }

    /// <summary>
    /// Where <paramref name="value"/> lies between a histogram bin's bounds, as
    /// ineq_histogram_selectivity interpolates: 0.5 for an empty bin, and 0.5 when the division
    /// gives NaN or leaves [0, 1]. Float8 statistics can hold infinite bounds: a bin from -Infinity
    /// to a finite bound gives Infinity / Infinity = NaN (seed 337 case 2906).
    /// </summary>
    internal static double BinFraction(double value, double low, double high)
    {
        if (!(high > low)) return 0.5; // bounds that look identical (or NaN): no division by zero
        if (value <= low) return 0;
        if (value >= high) return 1;
        double fraction = (value - low) / (high - low);
        return double.IsNaN(fraction) || fraction < 0 || fraction > 1 ? 0.5 : fraction;
    }

    /// <summary>
    /// LIKE with a constant pattern, as PostgreSQL's patternsel: the fraction of the histogram's
    /// inner bounds that match (at least 10 bounds; blended with the heuristic below 100) stands
    /// for the non-MCV, non-null rows, clamped to [0.0001, 0.9999]; matching MCVs add their
    /// frequencies. The heuristic is like_selectivity: 0.2 per fixed character after the first
    /// wildcard, 5 per further %, 0.9 per _, times the fixed prefix's equality selectivity when
    /// there is no wildcard at all.
    /// </summary>
    private static double Like(ColumnOrigin? origin, BoundConst constant)
    {
        if (constant.Value is not string pattern) return DefaultUnknown;
        var stats = origin?.Statistics;
        double heuristic = LikeHeuristic(pattern, stats is null ? DefaultEquality : null);
        // A fixed prefix before the first wildcard ('A%') is a range x >= 'A' AND x < 'B', which
        // prefix_selectivity estimates from the histogram; without one it is DEFAULT_MATCH_SEL.
        // Ignoring the prefix made 'A%' match every row and NOT LIKE 'A%' none, so an expression
        // without statistics looked like an empty filter (seed 479 case 1370: a join on it was
        // estimated at one row and built first, evaluating a raising qual PostgreSQL never reaches).
        if (HasPartialPrefix(pattern) && stats?.Histogram is not { Count: >= 2 }) heuristic *= DefaultMatch;
        if (stats is null) return Math.Clamp(heuristic, 0.0001, 0.9999);
        double mcvMatched = 0, mcvTotal = 0;
        for (int i = 0; i < (stats.McvValues?.Count ?? 0); i++)
        {
            double freq = stats.McvFreqs is { } fr && i < fr.Count ? fr[i] : 0;
            if (LikeMatch(stats.McvValues![i], pattern)) mcvMatched += freq;
            mcvTotal += freq;
        }
        double selec = heuristic;
        if (stats.Histogram is { Count: >= 10 } histogram)
        {
            int matched = 0;
            for (int i = 1; i < histogram.Count - 1; i++)
                if (LikeMatch(histogram[i], pattern)) matched++;
            double fraction = (double)matched / (histogram.Count - 2);
            double weight = Math.Min(1, histogram.Count / 100.0);
            selec = (fraction * weight) + (heuristic * (1 - weight));
        }
        selec = Math.Clamp(selec, 0.0001, 0.9999);
        return (selec * Math.Max(0, 1 - stats.NullFrac - mcvTotal)) + mcvMatched;
    }

    /// <summary>Whether the pattern starts with a fixed character and has a wildcard after it (PostgreSQL's Pattern_Prefix_Partial).</summary>
    private static bool HasPartialPrefix(string pattern)
    {
        if (pattern.Length == 0 || pattern[0] is '%' or '_') return false;
        for (int pos = 0; pos < pattern.Length; pos++)
        {
            if (pattern[pos] == '\\') pos++;
            else if (pattern[pos] is '%' or '_') return true;
        }
        return false;
    }

    /// <summary>PostgreSQL's like_selectivity over the pattern after its leading wildcards; a pattern without wildcards is an equality.</summary>
    private static double LikeHeuristic(string pattern, double? equality)
    {
        int pos = 0;
        while (pos < pattern.Length && pattern[pos] != '%' && pattern[pos] != '_')
        {
            if (pattern[pos] == '\\') pos++;
            pos++;
        }
        if (pos >= pattern.Length) return equality ?? DefaultEquality;
        double sel = 1;
        while (pos < pattern.Length && (pattern[pos] == '%' || pattern[pos] == '_')) pos++;
        for (; pos < pattern.Length; pos++)
        {
            char c = pattern[pos];
            if (c == '%') sel *= 5.0;
            else if (c == '_') sel *= 0.9;
            else
            {
                if (c == '\\') pos++;
                sel *= 0.2;
            }
        }
        return Math.Min(1, sel);
    }

    /// <summary>LIKE: % any run, _ one character, backslash quotes the next character.</summary>
    public static bool LikeMatch(string text, string pattern)
    {
        int t = 0, p = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '%')
            {
                starP = ++p;
                starT = t;
                continue;
            }
            if (p < pattern.Length)
            {
                char pc = pattern[p];
                int width = 1;
                if (pc == '\\' && p + 1 < pattern.Length)
                {
                    pc = pattern[p + 1];
                    width = 2;
                }
                else if (pc == '_')
                {
                    t++;
                    p++;
                    continue;
                }
                if (pc == text[t])
                {
                    t++;
                    p += width;
                    continue;
                }
            }
            if (starP < 0) return false;
            p = starP;
            t = ++starT;
        }
        while (p < pattern.Length && pattern[p] == '%') p++;
        return p == pattern.Length;
    }

    /// <summary>
    /// The value of a constant operand: a literal, or date/timestamp plus or minus a constant
    /// interval (TPC-H's `date '1993-07-01' + interval '3' month`), which PostgreSQL's planner
    /// folds before it estimates. Month steps clamp to the month's last day, as PostgreSQL does.
    /// </summary>
    private BoundConst? EstimationConstant(BoundExpr e)
    {
        switch (e.UnwrapRelabel())
        {
            case BoundConst c:
                return c;
            case BoundFuncCall { Args: [var a, var b] } f when catalog.FunctionName(f.FuncOid) is { } name
                && name is "date_pl_interval" or "date_mi_interval" or "timestamp_pl_interval" or "timestamp_mi_interval"
                && EstimationConstant(a) is { } start && EstimationConstant(b) is { Value: PgInterval span }:
                DateTime? at = start.Value switch
                {
                    int d when start.Type.Oid == PgTypeOid.Date && d is not (PgEpoch.DateNegativeInfinity or PgEpoch.DatePositiveInfinity) => new DateTime(2000, 1, 1).AddDays(d),
                    long t when start.Type.Oid == PgTypeOid.Timestamp && t is not (PgEpoch.TimestampNegativeInfinity or PgEpoch.TimestampPositiveInfinity) => new DateTime(2000, 1, 1).AddTicks(t * 10),
                    _ => null,
                };
                if (at is not { } time) return null;
                int sign = name.Contains("_mi_", StringComparison.Ordinal) ? -1 : 1;
                try
                {
                    time = time.AddMonths(sign * span.Months).AddDays(sign * span.Days).AddTicks(sign * span.Micros * 10);
                }
                catch (ArgumentOutOfRangeException)
                {
                    return null; // beyond DateTime's range: estimate as PostgreSQL does for an unknown value
                }
                return new BoundConst((time - new DateTime(2000, 1, 1)).Ticks / 10, PgType.Timestamp);
            default:
                return null;
        }
    }

    private ColumnOrigin? Origin(BoundExpr e) => e.UnwrapRelabel() is LogicalColumnRef r ? origins.GetValueOrDefault(r.Column.Id) : null;


    /// <summary>
    /// A column's MCVs and histogram bounds as keys of one comparison type, parsed once per
    /// statistics object instead of at every estimate (dates went through DateTime.TryParse per
    /// bound per predicate). Keyed by the decoded statistics, which StatisticsTextCache shares between envelopes with the same entry bytes (and drops when bounded).
    /// </summary>
    private sealed class ParsedStatistics
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ColumnStatistics, Dictionary<uint, ParsedStatistics>> Cache = new();

        private ParsedStatistics(ColumnStatistics stats, PgType type)
        {
            McvKeys = stats.McvValues is { } mcv ? [.. mcv.Select(v => Key.Of(v, type))] : [];
            HistogramKeys = stats.Histogram is { } h ? [.. h.Select(v => Key.Of(v, type))] : [];
        }

        public Key[] McvKeys { get; }

        public Key[] HistogramKeys { get; }

        public static ParsedStatistics Of(ColumnStatistics stats, PgType type)
        {
            var byType = Cache.GetValue(stats, static _ => []);
            lock (byType)
            {
                if (!byType.TryGetValue(type.Oid, out var parsed)) byType[type.Oid] = parsed = new ParsedStatistics(stats, type);
                return parsed;
            }
        }
    }

    /// <summary>A value comparable with statistics text: numbers and dates as doubles, other types as ordinal strings.</summary>
    private readonly record struct Key(double? Number, string? Text) : IComparable<Key>
    {
        public static Key Of(string? text, PgType type)
        {
            if (text is null) return new(null, null);
            switch (type.Oid)
            {
                case PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8 or PgTypeOid.Float4 or PgTypeOid.Float8 or PgTypeOid.Numeric or PgTypeOid.Oid:
                    return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? new(d, null) : new(null, text);
                case PgTypeOid.Date or PgTypeOid.Timestamp or PgTypeOid.Timestamptz:
                    return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
                        ? new(t.Ticks, null)
                        : new(null, text);
                case PgTypeOid.Bpchar:
                    return new(null, text.TrimEnd(' ')); // trailing blanks do not count in bpchar comparisons
                default:
                    return new(null, text);
            }
        }

        /// <summary>Numbers as float8's btree order (NaN above every other value, as float8_cmp_internal; .NET puts it below), others as text.</summary>
        public int CompareTo(Key other) => Number is { } a && other.Number is { } b ? (double.IsNaN(a) || double.IsNaN(b) ? double.IsNaN(a).CompareTo(double.IsNaN(b)) : a.CompareTo(b)) : string.CompareOrdinal(Text ?? Number?.ToString(CultureInfo.InvariantCulture), other.Text ?? other.Number?.ToString(CultureInfo.InvariantCulture));
    }
}
