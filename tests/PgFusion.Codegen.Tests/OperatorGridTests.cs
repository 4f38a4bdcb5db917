using PgFusion.Codegen.Tests.Support;
using PgFusion.Planner.Physical;
using Xunit;
using Xunit.Abstractions;
using static PgFusion.Codegen.Tests.Support.Reference;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// Three-way grids for the operators (the expression kernels have theirs in
/// <see cref="DifferentialTests"/> and <see cref="RegistryDifferentialTests"/>): hash joins of every
/// kind with residuals, set operations, DISTINCT, multi-key sorts, top-N, hash aggregation with
/// FILTER and window functions. Each case runs over the tables with 0, 50 and 100 % NULLs in every
/// column but id, at batch sizes 1, 7, 1024 and 4096, and compares the compiled plan and a
/// reference computed here with PostgreSQL's answer (<see cref="OperatorGrid"/>). Joins pair rows of
/// one table under two filters (id % 5 = 0 and id % 7 = 0, ~600 x ~430 rows) so keys repeat on both
/// sides; ORDER BY ends on id wherever the order of peers would otherwise be unspecified.
/// </summary>
[Collection(CodegenCollection.Name)]
public sealed class OperatorGridTests(CodegenFixture fixture, ITestOutputHelper output)
{
    private const string L = "(SELECT * FROM {t} WHERE id % 5 = 0)", R = "(SELECT * FROM {t} WHERE id % 7 = 0)";

    private static readonly string[] Densities = ["0", "50", "100"];

    /// <summary>A side the planner estimates small (100 rows) and one it estimates large (2,000 rows): range filters, which PostgreSQL's statistics estimate well.</summary>
    private const string Small = "(SELECT * FROM {t} WHERE id < 100)", Large = "(SELECT * FROM {t} WHERE id >= 1000)";

    private static List<GridRow> SmallRows(IReadOnlyList<GridRow> rows) => [.. rows.Where(r => r.Id < 100)];

    private static List<GridRow> LargeRows(IReadOnlyList<GridRow> rows) => [.. rows.Where(r => r.Id >= 1000)];

    private static List<GridRow> Left(IReadOnlyList<GridRow> rows) => [.. rows.Where(r => r.Id % 5 == 0)];

    private static List<GridRow> Right(IReadOnlyList<GridRow> rows) => [.. rows.Where(r => r.Id % 7 == 0)];

    private static string?[] Ids(GridRow? l, GridRow? r) => [l is null ? null : GridRow.Text(l.Id), r is null ? null : GridRow.Text(r.Id)];

    private static Func<PhysicalPlan, bool> JoinOf(params HashJoinKind[] kinds) => p => p is PhysicalHashJoin j && kinds.Contains(j.Kind);

    private static bool Less<T>(T? a, T? b) where T : struct, IComparable<T> => a is { } x && b is { } y && x.CompareTo(y) < 0;

    private OperatorGrid Grid => new(fixture, output);

    public static TheoryData<string, int> Cases(string[] names)
    {
        var data = new TheoryData<string, int>();
        foreach (var name in names)
            foreach (var d in Densities)
                data.Add(name, int.Parse(d, System.Globalization.CultureInfo.InvariantCulture));
        return data;
    }

    public static TheoryData<string, int> JoinCases() => Cases(["inner", "left_residual", "right_text", "full_two_keys", "semi", "build_semi", "anti", "build_anti", "not_in"]);

    [Theory]
    [MemberData(nameof(JoinCases))]
    public void Hash_join_grid(string name, int density)
    {
        switch (name)
        {
            case "inner":
                Grid.Check(density, $"SELECT l.id, r.id FROM {L} l JOIN {R} r ON l.i2 = r.i2",
                    rows => Join(Left(rows), Right(rows), (l, r) => KeyEquals(l.I2, r.I2), false, false).Select(p => Ids(p.L, p.R)),
                    JoinOf(HashJoinKind.Inner));
                break;
            case "left_residual":
                // the preserved side probes (~600 x ~430 rows), then builds (a 100-row left side against 2,000 rows)
                foreach (var (lsql, rsql, lrows, rrows, kind) in new[]
                {
                    (L, R, (Func<IReadOnlyList<GridRow>, List<GridRow>>)Left, (Func<IReadOnlyList<GridRow>, List<GridRow>>)Right, HashJoinKind.ProbeOuter),
                    (Small, Large, SmallRows, LargeRows, HashJoinKind.BuildOuter),
                })
                    Grid.Check(density, $"SELECT l.id, r.id FROM {lsql} l LEFT JOIN {rsql} r ON l.i2 = r.i2 AND l.i4 < r.i4",
                        rows => Join(lrows(rows), rrows(rows), (l, r) => KeyEquals(l.I2, r.I2) && Less(l.I4, r.I4), true, false).Select(p => Ids(p.L, p.R)),
                        JoinOf(kind));
                break;
            case "right_text":
                // the preserved (right) side builds (~600 x ~430 rows), then probes (2,000 rows against 100)
                foreach (var (lsql, rsql, lrows, rrows, kind) in new[]
                {
                    (L, R, (Func<IReadOnlyList<GridRow>, List<GridRow>>)Left, (Func<IReadOnlyList<GridRow>, List<GridRow>>)Right, HashJoinKind.BuildOuter),
                    (Small, Large, SmallRows, LargeRows, HashJoinKind.ProbeOuter),
                })
                    Grid.Check(density, $"SELECT l.id, r.id FROM {lsql} l RIGHT JOIN {rsql} r ON l.s = r.s AND l.b <> r.b",
                        rows => Join(lrows(rows), rrows(rows), (l, r) => KeyEquals(l.S, r.S) && l.B is { } a && r.B is { } b && a != b, false, true).Select(p => Ids(p.L, p.R)),
                        JoinOf(kind));
                break;
            case "full_two_keys":
                // bpchar equality ignores the padding (the reference compares the unpadded text) and a numeric residual
                Grid.Check(density, $"SELECT l.id, r.id FROM {L} l FULL JOIN {R} r ON l.bp = r.bp AND l.i2 % 3 = r.i2 % 3 AND l.n2 > r.n2",
                    rows => Join(Left(rows), Right(rows), (l, r) => KeyEquals(l.Bp, r.Bp) && KeyEquals(Mod(l.I2, 3), Mod(r.I2, 3)) && Less(r.N2, l.N2), true, true).Select(p => Ids(p.L, p.R)),
                    JoinOf(HashJoinKind.Full));
                break;
            case "semi":
                Grid.Check(density, $"SELECT l.id, l.i4 FROM {L} l WHERE EXISTS (SELECT 1 FROM {R} r WHERE r.i2 = l.i2 AND r.i4 > l.i4)",
                    rows => Left(rows).Where(l => Right(rows).Any(r => KeyEquals(l.I2, r.I2) && Less(l.I4, r.I4))).Select(l => new[] { GridRow.Text(l.Id), GridRow.Text(l.I4) }),
                    JoinOf(HashJoinKind.Semi));
                break;
            case "build_semi":
                // a small kept side (100 rows) against 2,000: the planner builds the kept side
                Grid.Check(density, $"SELECT l.id FROM {Small} l WHERE l.s IN (SELECT r.v FROM {Large} r)",
                    rows => SmallRows(rows).Where(l => LargeRows(rows).Any(r => KeyEquals(l.S, r.V))).Select(l => new[] { GridRow.Text(l.Id) }),
                    JoinOf(HashJoinKind.BuildSemi));
                break;
            case "anti":
                Grid.Check(density, $"SELECT l.id FROM {L} l WHERE NOT EXISTS (SELECT 1 FROM {R} r WHERE r.i2 = l.i2 AND r.b)",
                    rows => Left(rows).Where(l => !Right(rows).Any(r => KeyEquals(l.I2, r.I2) && r.B == true)).Select(l => new[] { GridRow.Text(l.Id) }),
                    JoinOf(HashJoinKind.Anti));
                break;
            case "build_anti":
                Grid.Check(density, $"SELECT l.id FROM {Small} l WHERE NOT EXISTS (SELECT 1 FROM {Large} r WHERE r.d = l.d AND r.i2 % 4 = l.i2 % 4)",
                    rows => SmallRows(rows).Where(l => !LargeRows(rows).Any(r => KeyEquals(l.D, r.D) && KeyEquals(Mod(l.I2, 4), Mod(r.I2, 4)))).Select(l => new[] { GridRow.Text(l.Id) }),
                    JoinOf(HashJoinKind.BuildAnti));
                break;
            case "not_in":
                // NOT IN: nothing when the sub-query yields a NULL, else the non-NULL keys it lacks (all rows when it is empty)
                foreach (string where in new[] { "r.i4 > 0", "r.i4 > 0 AND r.i2 IS NOT NULL" })
                {
                    bool dropNulls = where.Contains("IS NOT NULL", StringComparison.Ordinal);
                    Grid.Check(density, $"SELECT l.id FROM {L} l WHERE l.i2 NOT IN (SELECT r.i2 FROM {R} r WHERE {where})",
                        rows =>
                        {
                            var sub = Right(rows).Where(r => r.I4 > 0 && (!dropNulls || r.I2 is not null)).Select(r => r.I2).ToList();
                            if (sub.Count == 0) return Left(rows).Select(l => new[] { GridRow.Text(l.Id) });
                            if (sub.Any(v => v is null)) return [];
                            return Left(rows).Where(l => l.I2 is not null && !sub.Contains(l.I2)).Select(l => new[] { GridRow.Text(l.Id) });
                        },
                        JoinOf(HashJoinKind.NullAwareAnti));
                }
                break;
            default: throw new ArgumentException(name);
        }
    }

    public static TheoryData<string, int> SetOpCases() => Cases(["UNION", "UNION ALL", "INTERSECT", "INTERSECT ALL", "EXCEPT", "EXCEPT ALL", "DISTINCT"]);

    /// <summary>Set operations over (int, bool) and (text, bpchar, date) rows, and DISTINCT (NULLs equal everywhere).</summary>
    [Theory]
    [MemberData(nameof(SetOpCases))]
    public void Set_operation_and_distinct_grid(string op, int density)
    {
        if (op == "DISTINCT")
        {
            Grid.Check(density, "SELECT DISTINCT i2 % 5, b, bp FROM {t}",
                rows => Distinct(rows.Select(r => new[] { GridRow.Text(Mod(r.I2, 5)), GridRow.Text(r.B), r.Bp })),
                p => p is PhysicalHashAggregate { Aggregates.Count: 0 });
            Grid.Check(density, "SELECT DISTINCT s, d FROM {t} WHERE i4 > 0 OR i4 IS NULL ORDER BY s DESC, d NULLS FIRST",
                rows => Distinct(Sort(rows.Where(r => r.I4 is null || r.I4 > 0), new RefKey(r => r.S, true, true), new RefKey(r => r.D, false, true))
                    .Select(r => new[] { r.S, r.D })),
                p => p is PhysicalHashAggregate { Aggregates.Count: 0 } or PhysicalSort, ordered: true);
            return;
        }
        string[] parts = op.Split(' ');
        bool all = parts.Length == 2;
        Func<PhysicalPlan, bool> expect = parts[0] == "UNION"
            ? p => p is PhysicalAppend
            : p => p is PhysicalHashSetOp s && s.All == all;
        Grid.Check(density, $"SELECT i2 % 7, b FROM {{t}} WHERE id % 2 = 0 {op} SELECT i4 % 5, b FROM {{t}} WHERE id % 3 = 0",
            rows => SetOp(parts[0], all,
                rows.Where(r => r.Id % 2 == 0).Select(r => new[] { GridRow.Text(Mod(r.I2, 7)), GridRow.Text(r.B) }),
                rows.Where(r => r.Id % 3 == 0).Select(r => new[] { GridRow.Text(Mod(r.I4, 5)), GridRow.Text(r.B) })),
            expect);
        Grid.Check(density, $"SELECT v, bp, d FROM {{t}} WHERE i4 < 0 {op} SELECT s, bp, d FROM {{t}} WHERE id % 2 = 1",
            rows => SetOp(parts[0], all,
                rows.Where(r => r.I4 < 0).Select(r => new[] { r.V, r.Bp, r.D }),
                rows.Where(r => r.Id % 2 == 1).Select(r => new[] { r.S, r.Bp, r.D })),
            expect);
    }

    public static TheoryData<string, int> SortCases() => Cases(["sort_text_int_numeric", "sort_bool_date_int8", "top_n", "top_n_one", "with_ties"]);

    /// <summary>Full sorts on several keys with every ASC/DESC x NULLS FIRST/LAST mix, top-N with OFFSET, and WITH TIES.</summary>
    [Theory]
    [MemberData(nameof(SortCases))]
    public void Sort_and_top_n_grid(string name, int density)
    {
        static Func<PhysicalPlan, bool> SortNode(bool topN) => p => p is PhysicalSort s && (s.Limit is not null) == topN;
        switch (name)
        {
            case "sort_text_int_numeric":
                Grid.Check(density, "SELECT id, i2, s, n2 FROM {t} ORDER BY s DESC NULLS LAST, i2 NULLS FIRST, n2 DESC, id",
                    rows => Sort(rows, new RefKey(r => r.S, true, false), new RefKey(r => r.I2, false, true), new RefKey(r => r.N2, true, true), new RefKey(r => r.Id))
                        .Select(r => new[] { GridRow.Text(r.Id), GridRow.Text(r.I2), r.S, GridRow.Text(r.N2) }),
                    SortNode(false), ordered: true);
                break;
            case "sort_bool_date_int8":
                Grid.Check(density, "SELECT id, b, d, i8 FROM {t} ORDER BY b NULLS FIRST, d DESC NULLS LAST, i8, id DESC",
                    rows => Sort(rows, new RefKey(r => r.B, false, true), new RefKey(r => r.D, true, false), new RefKey(r => r.I8), new RefKey(r => r.Id, true))
                        .Select(r => new[] { GridRow.Text(r.Id), GridRow.Text(r.B), r.D, GridRow.Text(r.I8) }),
                    SortNode(false), ordered: true);
                break;
            case "top_n":
                Grid.Check(density, "SELECT id, n2, v FROM {t} ORDER BY n2 DESC NULLS LAST, v NULLS FIRST, id LIMIT 25 OFFSET 5",
                    rows => Sort(rows, new RefKey(r => r.N2, true, false), new RefKey(r => r.V, false, true), new RefKey(r => r.Id))
                        .Skip(5).Take(25).Select(r => new[] { GridRow.Text(r.Id), GridRow.Text(r.N2), r.V }),
                    SortNode(true), ordered: true);
                break;
            case "top_n_one":
                Grid.Check(density, "SELECT id, s FROM {t} ORDER BY s NULLS FIRST, id DESC LIMIT 1",
                    rows => Sort(rows, new RefKey(r => r.S, false, true), new RefKey(r => r.Id, true)).Take(1).Select(r => new[] { GridRow.Text(r.Id), r.S }),
                    SortNode(true), ordered: true);
                break;
            case "with_ties":
                // the peers of the 10th row all come along; their order is unspecified, so compare as multisets
                Grid.Check(density, "SELECT id, i2 % 4 FROM {t} ORDER BY i2 % 4 DESC NULLS FIRST FETCH FIRST 10 ROWS WITH TIES",
                    rows =>
                    {
                        var key = new RefKey(r => Mod(r.I2, 4), true, true);
                        var sorted = Sort(rows, key);
                        var last = sorted[Math.Min(9, sorted.Count - 1)];
                        return sorted.Where((r, i) => i < 10 || Compare(key.Value(r), key.Value(last), true, true) == 0)
                            .Select(r => new[] { GridRow.Text(r.Id), GridRow.Text(Mod(r.I2, 4)) });
                    },
                    p => p is PhysicalSort { WithTies: true });
                break;
            default: throw new ArgumentException(name);
        }
    }

    public static TheoryData<string, int> AggregateCases() => Cases(["grouped", "ungrouped"]);

    /// <summary>Hash aggregation with FILTER clauses over NULL keys and values; the ungrouped case's filters can reject every row.</summary>
    [Theory]
    [MemberData(nameof(AggregateCases))]
    public void Hash_aggregate_filter_grid(string name, int density)
    {
        static string? Sum(IEnumerable<long?> v) => v.Any(x => x is not null) ? GridRow.Text(v.Sum()) : null;
        static string? SumN(IEnumerable<decimal?> v) => v.Any(x => x is not null) ? GridRow.Text(v.Sum()) : null;
        static string? Max(IEnumerable<object?> v) => v.Where(x => x is not null).Select(x => x!).Order(Comparer<object>.Create(CompareValues)).LastOrDefault() is { } m ? GridRow.Text(m) : null;
        static string? Min(IEnumerable<object?> v) => v.Where(x => x is not null).Select(x => x!).Order(Comparer<object>.Create(CompareValues)).FirstOrDefault() is { } m ? GridRow.Text(m) : null;
        static bool HasFilter(PhysicalPlan p) => p is PhysicalHashAggregate a && a.Aggregates.Any(x => x.Filter is not null);
        if (name == "grouped")
        {
            Grid.Check(density, """
                SELECT i2 % 10, b, count(*), count(*) FILTER (WHERE i4 > 0), sum(i4) FILTER (WHERE s LIKE 'a%'), min(s) FILTER (WHERE b),
                       max(n2) FILTER (WHERE i8 < 0), sum(n2) FILTER (WHERE bp = 'fig'), count(v) FILTER (WHERE d < date '2000-01-01')
                FROM {t} GROUP BY 1, 2
                """,
                rows => GroupBy(rows, r => [Mod(r.I2, 10), r.B]).Select(g => new[]
                {
                    GridRow.Text(Mod(g.First().I2, 10)), GridRow.Text(g.First().B), GridRow.Text(g.Count()),
                    GridRow.Text(g.Count(r => r.I4 > 0)),
                    Sum(g.Where(r => r.S?.StartsWith('a') == true).Select(r => (long?)r.I4)),
                    Min(g.Where(r => r.B == true).Select(r => (object?)r.S)),
                    Max(g.Where(r => r.I8 < 0).Select(r => (object?)r.N2)),
                    SumN(g.Where(r => r.Bp == "fig").Select(r => r.N2)),
                    GridRow.Text(g.Count(r => r.V is not null && r.D is not null && string.CompareOrdinal(r.D, "2000-01-01") < 0)),
                }),
                HasFilter);
        }
        else
        {
            Grid.Check(density, """
                SELECT count(*) FILTER (WHERE i2 > 100), sum(i8) FILTER (WHERE b), max(s) FILTER (WHERE i4 < 0),
                       min(d) FILTER (WHERE s = 'no such word'), count(i2) FILTER (WHERE NOT b)
                FROM {t}
                """,
                rows => [
                [
                    GridRow.Text(rows.Count(r => r.I2 > 100)),
                    Sum(rows.Where(r => r.B == true).Select(r => r.I8)),
                    Max(rows.Where(r => r.I4 < 0).Select(r => (object?)r.S)),
                    null,
                    GridRow.Text(rows.Count(r => r.B == false && r.I2 is not null)),
                ]],
                HasFilter);
        }
    }

    public static TheoryData<string, int> WindowCases() => Cases(["peers", "rows", "frames"]);

    /// <summary>
    /// Window functions per partition (NULL partition keys form one partition): rank-like functions
    /// and aggregates over the default RANGE frame (peers included) on a non-unique order, and
    /// row_number, lag/lead, first_value, ntile and a ROWS frame on a total order.
    /// </summary>
    [Theory]
    [MemberData(nameof(WindowCases))]
    public void Window_function_grid(string name, int density)
    {
        if (name == "peers")
        {
            Grid.Check(density, """
                SELECT id, rank() OVER w, dense_rank() OVER w, sum(i4) OVER w, count(s) OVER w, percent_rank() OVER w, cume_dist() OVER w
                FROM {t} WINDOW w AS (PARTITION BY i2 % 5 ORDER BY b NULLS FIRST, bp DESC)
                """,
                rows => GroupBy(rows, r => [Mod(r.I2, 5)]).SelectMany(g =>
                {
                    RefKey[] keys = [new(r => r.B, false, true), new(r => r.Bp, true, true)];
                    var part = Sort(g, keys);
                    var result = new List<string?[]>();
                    int n = part.Count;
                    for (int i = 0; i < n; i++)
                    {
                        int first = part.FindIndex(r => Compare(r, part[i], keys) == 0);
                        int last = part.FindLastIndex(r => Compare(r, part[i], keys) == 0);
                        int denseRank = part.Take(first + 1).Select((r, k) => k == 0 || Compare(part[k - 1], r, keys) != 0).Count(x => x);
                        var frame = part.Take(last + 1).ToList();
                        result.Add([
                            GridRow.Text(part[i].Id), GridRow.Text(first + 1), GridRow.Text(denseRank),
                            frame.Any(r => r.I4 is not null) ? GridRow.Text(frame.Sum(r => (long?)r.I4)) : null,
                            GridRow.Text(frame.Count(r => r.S is not null)),
                            PgText.Format(n == 1 ? 0.0 : (double)first / (n - 1), PgFusion.Types.PgType.Float8),
                            PgText.Format((double)(last + 1) / n, PgFusion.Types.PgType.Float8),
                        ]);
                    }
                    return result;
                }),
                p => p is PhysicalWindow);
        }
        else if (name == "frames")
        {
            // RANGE with offsets on int2 (a NULL current row's frame is its NULL peers), GROUPS over
            // peer groups, a ROWS frame ahead of the row, nth_value over the whole partition
            Grid.Check(density, """
                SELECT id,
                       sum(i4) OVER (PARTITION BY b ORDER BY i2 RANGE BETWEEN 3 PRECEDING AND 2 FOLLOWING),
                       count(*) OVER (PARTITION BY b ORDER BY i2 % 7 GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW),
                       last_value(id) OVER (PARTITION BY b ORDER BY i2, id ROWS BETWEEN CURRENT ROW AND 3 FOLLOWING),
                       nth_value(id, 2) OVER (PARTITION BY b ORDER BY i2, id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                FROM {t}
                """,
                rows => GroupBy(rows, r => [r.B]).SelectMany(g =>
                {
                    var byI2 = Sort(g, new RefKey(r => r.I2), new RefKey(r => r.Id));
                    // peer group numbers of i2 % 7 (NULLS LAST)
                    var peerKeys = Sort(g, new RefKey(r => Mod(r.I2, 7))).Select(x => Mod(x.I2, 7)).Distinct().ToList();
                    var groupOf = g.ToDictionary(r => r.Id, r => peerKeys.IndexOf(Mod(r.I2, 7)));
                    int GroupOf(GridRow r) => groupOf[r.Id];
                    return byI2.Select((r, i) =>
                    {
                        var range = g.Where(o => r.I2 is { } v ? o.I2 is { } w && w >= v - 3 && w <= v + 2 : o.I2 is null).ToList();
                        int group = GroupOf(r);
                        return new[]
                        {
                            GridRow.Text(r.Id),
                            range.Any(o => o.I4 is not null) ? GridRow.Text(range.Sum(o => (long?)o.I4)) : null,
                            GridRow.Text(g.Count(o => GroupOf(o) is var og && og >= group - 1 && og <= group)),
                            GridRow.Text(byI2[Math.Min(i + 3, byI2.Count - 1)].Id),
                            byI2.Count >= 2 ? GridRow.Text(byI2[1].Id) : null,
                        };
                    });
                }),
                p => p is PhysicalWindow);
        }
        else
        {
            Grid.Check(density, """
                SELECT id, row_number() OVER w, lag(i4) OVER w, lead(s, 2, 'none') OVER w, first_value(i2) OVER w,
                       sum(i8) OVER (w ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING), ntile(3) OVER w
                FROM {t} WINDOW w AS (PARTITION BY b ORDER BY d DESC NULLS LAST, id)
                """,
                rows => GroupBy(rows, r => [r.B]).SelectMany(g =>
                {
                    var part = Sort(g, new RefKey(r => r.D, true, false), new RefKey(r => r.Id));
                    int n = part.Count;
                    return part.Select((r, i) =>
                    {
                        var frame = part.Skip(Math.Max(0, i - 2)).Take(Math.Min(i, 2) + 2).ToList();
                        // ntile: n / 3 rows per bucket, the first n % 3 buckets one more
                        int size = n / 3, extra = n % 3, bucket = 0;
                        for (int start = 0, b = 1; b <= 3; b++)
                        {
                            int len = size + (b <= extra ? 1 : 0);
                            if (i >= start && i < start + len) bucket = b;
                            start += len;
                        }
                        return new[]
                        {
                            GridRow.Text(r.Id), GridRow.Text(i + 1), i > 0 ? GridRow.Text(part[i - 1].I4) : null,
                            i + 2 < n ? part[i + 2].S : "none", GridRow.Text(part[0].I2),
                            frame.Any(x => x.I8 is not null) ? GridRow.Text(frame.Sum(x => x.I8)) : null,
                            GridRow.Text(bucket),
                        };
                    });
                }),
                p => p is PhysicalWindow);
        }
    }

    public static TheoryData<string, int> SpecialValueCases() => Cases(["join", "group", "set_counts", "sort", "top_n", "window"]);

    /// <summary>
    /// float8 and numeric keys where equality is not bit equality: float8 NaN = NaN and -0 = 0,
    /// numeric NaN = NaN, Infinity = Infinity and 5.000 = 5, in join keys, group keys, set
    /// operation rows, sort keys and window partitions/orders (NaN sorts last ascending in both
    /// types). Outputs avoid printing a value whose equal peers print differently (-0 / 0, 5.000 / 5)
    /// where PostgreSQL's choice of representative is unspecified.
    /// </summary>
    [Theory]
    [MemberData(nameof(SpecialValueCases))]
    public void Float_and_numeric_key_grid(string name, int density)
    {
        static string?[] One(params object?[] values) => [.. values.Select(v => v is null ? null : GridRow.Text(v))];
        static RefNumeric? Scaled(short? i, int scale) => i is { } v ? new RefNumeric(1, v * System.Numerics.BigInteger.Pow(10, scale), scale) : null;
        switch (name)
        {
            case "join":
                Grid.Check(density, $"SELECT l.id, r.id FROM {L} l JOIN {R} r ON l.f8 = r.f8",
                    rows => Join(Left(rows), Right(rows), (l, r) => KeyEquals(l.F8, r.F8), false, false).Select(p => Ids(p.L, p.R)),
                    JoinOf(HashJoinKind.Inner));
                Grid.Check(density, $"SELECT l.id, r.id FROM {L} l FULL JOIN {R} r ON l.n = r.n",
                    rows => Join(Left(rows), Right(rows), (l, r) => KeyEquals(l.N, r.N), true, true).Select(p => Ids(p.L, p.R)),
                    JoinOf(HashJoinKind.Full));
                // numeric keys of scale 3 against scale 0: 5.000 = 5
                Grid.Check(density, $"SELECT l.id, r.id FROM {L} l LEFT JOIN {R} r ON l.i2 * 1.000 = r.i2::numeric AND l.f8 < r.f8",
                    rows => Join(Left(rows), Right(rows), (l, r) => KeyEquals(Scaled(l.I2, 3), Scaled(r.I2, 0)) && l.F8 is { } a && r.F8 is { } b && a.CompareTo(b) < 0, true, false)
                        .Select(p => Ids(p.L, p.R)),
                    JoinOf(HashJoinKind.ProbeOuter, HashJoinKind.BuildOuter));
                break;
            case "group":
                Grid.Check(density, "SELECT min(id), count(*), count(*) FILTER (WHERE b), max(s) FROM {t} GROUP BY f8",
                    rows => GroupBy(rows, r => [r.F8]).Select(g => One(g.Min(r => r.Id), g.Count(), g.Count(r => r.B == true), g.Where(r => r.S is not null).Select(r => r.S!).Order(StringComparer.Ordinal).LastOrDefault())),
                    p => p is PhysicalHashAggregate);
                Grid.Check(density, "SELECT min(id), count(*), sum(i4) FILTER (WHERE f8 > 0) FROM {t} GROUP BY n, i2 % 2",
                    rows => GroupBy(rows, r => [r.N, Mod(r.I2, 2)]).Select(g => One(g.Min(r => r.Id), g.Count(),
                        g.Any(r => r.I4 is not null && r.F8 is { } f && f.CompareTo(new RefFloat(0)) > 0) ? g.Where(r => r.F8 is { } f && f.CompareTo(new RefFloat(0)) > 0).Sum(r => (long?)r.I4) : null)),
                    p => p is PhysicalHashAggregate);
                break;
            case "set_counts":
                foreach (string op in new[] { "UNION", "INTERSECT", "INTERSECT ALL", "EXCEPT", "EXCEPT ALL" })
                {
                    string[] parts = op.Split(' ');
                    Grid.Check(density, $"SELECT count(*) FROM (SELECT f8, n FROM {{t}} WHERE id % 2 = 0 {op} SELECT f8, n FROM {{t}} WHERE id % 3 = 0) x",
                        rows => [One(SetOp(parts[0], parts.Length == 2,
                            rows.Where(r => r.Id % 2 == 0).Select(r => One(r.F8, r.N)),
                            rows.Where(r => r.Id % 3 == 0).Select(r => One(r.F8, r.N))).Count())],
                        p => p is PhysicalHashSetOp or PhysicalAppend);
                }
                Grid.Check(density, "SELECT count(*) FROM (SELECT DISTINCT f8, n FROM {t}) x",
                    rows => [One(Distinct(rows.Select(r => One(r.F8, r.N))).Count())],
                    p => p is PhysicalHashAggregate { Aggregates.Count: 0 });
                break;
            case "sort":
                Grid.Check(density, "SELECT id, f8, n FROM {t} ORDER BY f8 DESC NULLS LAST, n NULLS FIRST, id",
                    rows => Sort(rows, new RefKey(r => r.F8, true, false), new RefKey(r => r.N, false, true), new RefKey(r => r.Id)).Select(r => new[] { GridRow.Text(r.Id), r.F8Text, r.NText }),
                    p => p is PhysicalSort { Limit: null }, ordered: true);
                Grid.Check(density, "SELECT id, n FROM {t} ORDER BY n DESC, id DESC",
                    rows => Sort(rows, new RefKey(r => r.N, true, true), new RefKey(r => r.Id, true)).Select(r => new[] { GridRow.Text(r.Id), r.NText }),
                    p => p is PhysicalSort { Limit: null }, ordered: true);
                break;
            case "top_n":
                Grid.Check(density, "SELECT id, f8 FROM {t} ORDER BY f8 DESC, id LIMIT 40",
                    rows => Sort(rows, new RefKey(r => r.F8, true, true), new RefKey(r => r.Id)).Take(40).Select(r => new[] { GridRow.Text(r.Id), r.F8Text }),
                    p => p is PhysicalSort { Limit: not null }, ordered: true);
                Grid.Check(density, "SELECT id, n FROM {t} ORDER BY n NULLS FIRST, id LIMIT 40 OFFSET 60",
                    rows => Sort(rows, new RefKey(r => r.N, false, true), new RefKey(r => r.Id)).Skip(60).Take(40).Select(r => new[] { GridRow.Text(r.Id), r.NText }),
                    p => p is PhysicalSort { Limit: not null }, ordered: true);
                break;
            case "window":
                // rank/dense_rank count peers (NaN with NaN, -0 with 0); count(*) per float partition
                Grid.Check(density, "SELECT id, rank() OVER (ORDER BY f8), dense_rank() OVER (ORDER BY n DESC NULLS LAST), count(*) OVER (PARTITION BY f8) FROM {t}",
                    rows =>
                    {
                        var rank = new Dictionary<int, int>();
                        var byF8 = Sort(rows, new RefKey(r => r.F8));
                        for (int i = 0; i < byF8.Count; i++)
                            rank[byF8[i].Id] = i > 0 && Compare(byF8[i - 1].F8, byF8[i].F8, false, false) == 0 ? rank[byF8[i - 1].Id] : i + 1;
                        var dense = new Dictionary<int, int>();
                        var byN = Sort(rows, new RefKey(r => r.N, true, false));
                        for (int i = 0, d = 0; i < byN.Count; i++)
                        {
                            if (i == 0 || Compare(byN[i - 1].N, byN[i].N, true, false) != 0) d++;
                            dense[byN[i].Id] = d;
                        }
                        var partition = GroupBy(rows, r => [r.F8]).SelectMany(g => g.Select(r => (r.Id, g.Count()))).ToDictionary(x => x.Id, x => x.Item2);
                        return rows.Select(r => One(r.Id, rank[r.Id], dense[r.Id], partition[r.Id]));
                    },
                    p => p is PhysicalWindow);
                break;
            default: throw new ArgumentException(name);
        }
    }
}
