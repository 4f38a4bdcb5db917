using FsCheck;
using FsCheck.Fluent;
using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Generators;

/// <summary>
/// Typed expressions over the columns of one query block: arithmetic (overflow-prone included),
/// casts, CASE, COALESCE, string and date functions; predicates with AND/OR/NOT, IS [NOT] NULL,
/// BETWEEN, IN lists, LIKE, IS DISTINCT FROM; aggregates with FILTER; and, when
/// <see cref="Subqueries"/> is set, EXISTS / IN / scalar subqueries, correlated or not.
/// Sub-generators are built lazily (only the branch taken), so deep trees stay cheap to generate.
/// </summary>
public sealed partial class ExprGen(IReadOnlyList<ScopeColumn> scope, FuzzSchema schema, bool subqueries, int nesting = 0)
{
    private static readonly ColumnKind[] ScalarKinds =
    [
        ColumnKind.Int2, ColumnKind.Int4, ColumnKind.Int8, ColumnKind.Float4, ColumnKind.Float8, ColumnKind.Numeric,
        ColumnKind.Text, ColumnKind.Date, ColumnKind.Timestamp, ColumnKind.Interval, ColumnKind.Bool,
        ColumnKind.Time, ColumnKind.Timestamptz, ColumnKind.Uuid, ColumnKind.Bytea,
    ];

    public IReadOnlyList<ScopeColumn> Scope => scope;

    public bool Subqueries => subqueries;

    /// <summary>Kinds worth generating: mostly those of columns in scope, sometimes any.</summary>
    public Gen<ColumnKind> AnyKind()
    {
        var present = scope.Select(c => Normalize(c.Column.Kind)).Distinct().ToArray();
        return present.Length == 0 ? Gen.Elements(ScalarKinds) : Gen.Frequency((5, Gen.Elements(present)), (1, Gen.Elements(ScalarKinds)));
    }

    /// <summary>An expression of <paramref name="kind"/> (string kinds may come back as varchar/bpchar columns).</summary>
    public Gen<Expr> Scalar(ColumnKind kind, int depth)
    {
        kind = Normalize(kind);
        var columns = scope.Where(c => Normalize(c.Column.Kind) == kind).Select(c => c.ToExpr()).ToArray();
        var leaf = columns.Length == 0
            ? Literal(kind)
            : Gen.Frequency((4, Gen.Elements(columns)), (1, Literal(kind)));
        if (depth <= 0) return leaf;
        return Gen.Frequency((5, leaf), (4, Lazy(() => Compound(kind, depth - 1))));
    }

    /// <summary>A predicate.</summary>
    public Gen<Expr> Predicate(int depth)
    {
        var choices = new List<(int, Gen<Expr>)>
        {
            (6, Lazy(() => Comparison(depth))),
            (2, Lazy(() => Logic(depth))),
            (2, Lazy(() => NullTest(depth))),
            (2, Lazy(() => Between(depth))),
            (2, Lazy(() => InList(depth))),
            (2, Lazy(() => Like(depth))),
            (1, Lazy(() => LikeRegistry(depth))),
            (1, Lazy(() => Scalar(ColumnKind.Bool, 0))),
        };
        if (subqueries && nesting == 0) choices.Add((3, Lazy(Subquery)));
        return Gen.Frequency(choices);
    }

    private static Gen<T> Lazy<T>(Func<Gen<T>> f) => Gen.Constant(0).SelectMany(_ => f());

    private static ColumnKind Normalize(ColumnKind k) => k.IsString() ? ColumnKind.Text : k;

    private Gen<Expr> Comparison(int depth) =>
        from kind in AnyKind()
        from other in Comparable(kind)
        from a in Scalar(kind, depth - 1)
        from b in Scalar(other, depth - 1)
        from op in Gen.Elements("=", "<>", "<", "<=", ">", ">=", "IS DISTINCT FROM", "IS NOT DISTINCT FROM")
        select Expr.Op(ColumnKind.Bool, "({0} " + op + " {1})", op.Contains("DISTINCT", StringComparison.Ordinal) ? "is-distinct" : "compare", a, b);

    private static Gen<ColumnKind> Comparable(ColumnKind kind) =>
        kind.IsNumber() ? Gen.Frequency((4, Gen.Constant(kind)), (1, Gen.Elements(ColumnKind.Int2, ColumnKind.Int4, ColumnKind.Int8, ColumnKind.Float8, ColumnKind.Numeric)))
        : kind is ColumnKind.Date or ColumnKind.Timestamp ? Gen.Frequency((4, Gen.Constant(kind)), (1, Gen.Elements(ColumnKind.Date, ColumnKind.Timestamp)))
        : Gen.Constant(kind);

    private Gen<Expr> Logic(int depth) => Gen.OneOf(
        Gen.Zip(Predicate(depth - 1), Predicate(depth - 1)).Select(p => Expr.Op(ColumnKind.Bool, "({0} AND {1})", "and", p.Item1, p.Item2)),
        Gen.Zip(Predicate(depth - 1), Predicate(depth - 1)).Select(p => Expr.Op(ColumnKind.Bool, "({0} OR {1})", "or", p.Item1, p.Item2)),
        Predicate(depth - 1).Select(p => Expr.Op(ColumnKind.Bool, "(NOT {0})", "not", p)));

    private Gen<Expr> NullTest(int depth) =>
        from kind in AnyKind()
        from a in Scalar(kind, depth - 1)
        from not in Gen.Elements("", " NOT")
        select Expr.Op(ColumnKind.Bool, "({0} IS" + not + " NULL)", "is-null", a);

    private Gen<Expr> Between(int depth) =>
        from kind in AnyKind().Where(k => k != ColumnKind.Bool)
        from a in Scalar(kind, depth - 1)
        from lo in Literal(kind)
        from hi in Literal(kind)
        from not in Gen.Elements("", " NOT")
        select Expr.Op(ColumnKind.Bool, "({0}" + not + " BETWEEN {1} AND {2})", "between", a, lo, hi);

    private Gen<Expr> InList(int depth) =>
        from kind in AnyKind()
        from a in Scalar(kind, depth - 1)
        from n in Gen.Choose(1, 4)
        from items in Literal(kind).ArrayOf(n)
        from not in Gen.Elements("", " NOT")
        select Expr.Op(ColumnKind.Bool, "({0}" + not + " IN (" + string.Join(", ", Enumerable.Range(1, n).Select(i => "{" + i + "}")) + "))", "in-list", [a, .. items]);

    private Gen<Expr> Like(int depth) =>
        from a in Scalar(ColumnKind.Text, depth - 1)
        from pattern in Gen.Elements("'a%'", "'%b%'", "'_'", "'%'", "'abc'", "'a\\%%'", "'%c'", "'w1_'", "''", "'%  '", "'A%'", "'a_b'", "'__'", "'%ß%'", "'_😀%'")
        from op in Gen.Frequency((4, Gen.Constant("LIKE")), (2, Gen.Constant("NOT LIKE")), (1, Gen.Constant("ILIKE")))
        select Expr.Op(ColumnKind.Bool, "({0} " + op + " " + pattern + ")", op == "ILIKE" ? "ilike" : "like", a);

    /// <summary>EXISTS / IN / scalar subqueries over another (or the same) table, correlated with this block or not.</summary>
    private Gen<Expr> Subquery()
    {
        if (schema.Tables.Count == 0 || scope.Count == 0) return Scalar(ColumnKind.Bool, 0);
        var alias = "s" + (nesting + 1);
        return
            from table in Gen.Elements(schema.Tables.ToArray())
            let inner = new ExprGen(table.Columns.Select(c => new ScopeColumn(alias, c)).ToArray(), schema, false, nesting + 1)
            from outerCol in Gen.Elements(scope.ToArray())
            from innerCol in Gen.Elements(table.Columns.ToArray())
            from correlated in Gen.Elements(true, false)
            from filter in inner.Predicate(1)
            from shape in Gen.Frequency((8, Gen.Choose(0, 3)), (2, Gen.Constant(5)), (2, Gen.Constant(6)), (2, Gen.Choose(7, 8)))
            from quantifier in Gen.Elements("= ANY", "<> ALL", "> ALL", "<= ANY")
            from setOp in Gen.Elements("UNION", "UNION ALL", "INTERSECT", "INTERSECT ALL", "EXCEPT", "EXCEPT ALL")
            from filter2 in shape >= 7 ? inner.Predicate(1) : Gen.Constant(filter)
            let fromSql = $"{table.Name} {alias}"
            let innerRef = $"{alias}.{innerCol.Name}"
            let comparable = ColumnKinds.Comparable(outerCol.Column.Kind, innerCol.Kind)
            let corr = correlated && comparable ? $" AND {innerRef} = {outerCol.Sql}" : ""
            select shape switch
            {
                0 => Expr.Op(ColumnKind.Bool, $"(EXISTS (SELECT 1 FROM {fromSql} WHERE {{0}}{corr}))", corr.Length > 0 ? "exists-correlated" : "exists", filter),
                1 => Expr.Op(ColumnKind.Bool, $"(NOT EXISTS (SELECT 1 FROM {fromSql} WHERE {{0}}{corr}))", corr.Length > 0 ? "exists-correlated" : "exists", filter),
                2 when comparable => Expr.Op(ColumnKind.Bool, $"({outerCol.Sql} IN (SELECT {innerRef} FROM {fromSql} WHERE {{0}}))", "in-subquery", filter),
                5 when comparable => Expr.Op(ColumnKind.Bool, $"({outerCol.Sql} NOT IN (SELECT {innerRef} FROM {fromSql} WHERE {{0}}{corr}))", "not-in-subquery", filter),
                6 when comparable && outerCol.Column.Kind is not (ColumnKind.Bool or ColumnKind.Uuid or ColumnKind.Bytea) =>
                    Expr.Op(ColumnKind.Bool, $"({outerCol.Sql} {quantifier} (SELECT {innerRef} FROM {fromSql} WHERE {{0}}{corr}))", "quantified-subquery", filter),
                // A set operation as the sub-query: both branches read the table under the same alias
                // (each branch is its own scope); EXISTS correlates its first branch only.
                7 when comparable => Expr.Op(ColumnKind.Bool,
                    $"({outerCol.Sql} IN (SELECT {innerRef} FROM {fromSql} WHERE {{0}} {setOp} SELECT {innerRef} FROM {fromSql} WHERE {{1}}))",
                    "setop-subquery", filter, filter2),
                8 => Expr.Op(ColumnKind.Bool,
                    $"(EXISTS (SELECT {innerRef} FROM {fromSql} WHERE {{0}}{corr} {setOp} SELECT {innerRef} FROM {fromSql} WHERE {{1}}))",
                    corr.Length > 0 ? "setop-subquery-correlated" : "setop-subquery", filter, filter2),
                3 when comparable && outerCol.Column.Kind != ColumnKind.Bool =>
                    Expr.Op(ColumnKind.Bool, $"({outerCol.Sql} > (SELECT max({innerRef}) FROM {fromSql} WHERE {{0}}{corr}))", corr.Length > 0 ? "scalar-subquery-correlated" : "scalar-subquery", filter),
                _ => Expr.Op(ColumnKind.Bool, $"((SELECT count(*) FROM {fromSql} WHERE {{0}}{corr}) > 1)", corr.Length > 0 ? "scalar-subquery-correlated" : "scalar-subquery", filter),
            };
    }

    /// <summary>
    /// A scalar sub-query yielding a value of a column of another (or the same) table: an aggregate
    /// (max, min, count) or `ORDER BY ... LIMIT 1` (deterministic: ordered by the value itself),
    /// correlated with this block by an equality or not. Null when no table fits.
    /// </summary>
    public Gen<Expr>? ValueSubquery()
    {
        if (!subqueries || nesting > 0 || scope.Count == 0) return null;
        var alias = "s" + (nesting + 1);
        var tables = schema.Tables.Where(t => t.Columns.Any(PrintsEqualValuesAlike)).ToArray();
        if (tables.Length == 0) return null;
        return
            from table in Gen.Elements(tables)
            let inner = new ExprGen(table.Columns.Select(c => new ScopeColumn(alias, c)).ToArray(), schema, false, nesting + 1)
            from innerCol in Gen.Elements(table.Columns.Where(PrintsEqualValuesAlike).ToArray())
            from outerCol in Gen.Elements(scope.ToArray())
            from correlated in Gen.Elements(true, false)
            from filter in inner.Predicate(1)
            from shape in Gen.Elements("max", "min", "count", "limit")
            let innerRef = $"{alias}.{innerCol.Name}"
            let corr = correlated && ColumnKinds.Comparable(outerCol.Column.Kind, innerCol.Kind) ? $" AND {innerRef} = {outerCol.Sql}" : ""
            let tag = corr.Length > 0 ? "scalar-subquery-select-correlated" : "scalar-subquery-select"
            let kind = innerCol.Kind.IsString() ? ColumnKind.Text : innerCol.Kind
            select shape switch
            {
                "count" => Expr.Op(ColumnKind.Int8, $"(SELECT count({innerRef}) FROM {table.Name} {alias} WHERE {{0}}{corr})", tag, filter),
                "limit" => Expr.Op(kind, $"(SELECT {innerRef} FROM {table.Name} {alias} WHERE {{0}}{corr} ORDER BY 1 DESC NULLS LAST LIMIT 1)", tag, filter),
                _ => Expr.Op(kind, $"(SELECT {shape}({innerRef}) FROM {table.Name} {alias} WHERE {{0}}{corr})", tag, filter),
            };
    }

    /// <summary>
    /// A sub-query of a grouped block correlated with one of its GROUP BY columns: a value for the
    /// select list (`(SELECT count(*) FROM t s1 WHERE .. AND s1.c = a.k)`, or a max) or, with
    /// <paramref name="predicate"/>, a HAVING condition (EXISTS, or the correlated count compared
    /// with the outer group's count(*), an outer aggregate evaluated inside the sub-query's
    /// comparison). Null when no key is a plain column or sub-queries are off.
    /// </summary>
    public Gen<Expr>? GroupKeySubquery(IReadOnlyList<Expr> keys, bool predicate)
    {
        if (!subqueries || nesting > 0) return null;
        var columnKeys = scope.Where(c => keys.Any(k => k.Sql == c.Sql)).ToArray();
        var pairs = (from k in columnKeys
                     from t in schema.Tables
                     from c in t.Columns
                     where ColumnKinds.Comparable(k.Column.Kind, c.Kind)
                     select (Key: k, Table: t, Column: c)).ToArray();
        if (pairs.Length == 0) return null;
        var alias = "s" + (nesting + 1);
        return
            from p in Gen.Elements(pairs)
            let inner = new ExprGen(p.Table.Columns.Select(c => new ScopeColumn(alias, c)).ToArray(), schema, false, nesting + 1)
            from filter in inner.Predicate(1)
            let alike = p.Table.Columns.Where(PrintsEqualValuesAlike).ToArray()
            from valueCol in alike.Length == 0 ? Gen.Constant<FuzzColumn?>(null) : Gen.Elements(alike).Select(c => (FuzzColumn?)c)
            from shape in Gen.Elements(0, 1, 2)
            let body = $"{p.Table.Name} {alias} WHERE {{0}} AND {alias}.{p.Column.Name} = {p.Key.Sql}"
            select predicate
                ? shape switch
                {
                    0 => Expr.Op(ColumnKind.Bool, $"(EXISTS (SELECT 1 FROM {body}))", "subquery-having-correlated", filter),
                    1 => Expr.Op(ColumnKind.Bool, $"((SELECT count(*) FROM {body}) < count(*))", "subquery-having-correlated", filter),
                    _ => Expr.Op(ColumnKind.Bool, $"(NOT EXISTS (SELECT 1 FROM {body}))", "subquery-having-correlated", filter),
                }
                : shape == 0 || valueCol == null
                    ? Expr.Op(ColumnKind.Int8, $"(SELECT count(*) FROM {body})", "subquery-select-grouped", filter)
                    : Expr.Op(valueCol.Kind.IsString() ? ColumnKind.Text : valueCol.Kind,
                        $"(SELECT {(shape == 1 ? "max" : "min")}({alias}.{valueCol.Name}) FROM {body})", "subquery-select-grouped", filter);
    }

    /// <summary>
    /// Columns whose equal values print identically, so which of several equal values a max/min or
    /// LIMIT 1 returns cannot show (floats print -0 and 0, numeric 1.0 and 1.00, intervals '1 day' and
    /// '24:00:00'); bool, uuid and bytea have no min/max in PostgreSQL 15.
    /// </summary>
    private static bool PrintsEqualValuesAlike(FuzzColumn c) =>
        c.Kind is not (ColumnKind.Bool or ColumnKind.Uuid or ColumnKind.Bytea or ColumnKind.Float4 or ColumnKind.Float8 or ColumnKind.Numeric or ColumnKind.Interval);

    /// <summary>A typed literal, sometimes a typed NULL.</summary>
    public static Gen<Expr> Literal(ColumnKind kind) =>
        Gen.Frequency((12, LiteralText(kind)), (1, Gen.Constant("NULL::" + Normalize(kind).SqlName())))
            .Select(sql => Expr.Leaf(Normalize(kind), sql));

    private static Gen<string> LiteralText(ColumnKind kind) => Normalize(kind) switch
    {
        ColumnKind.Bool => Gen.Elements("true", "false"),
        ColumnKind.Int2 => Gen.Elements("0::int2", "1::int2", "2::int2", "-3::int2", "7::int2", "32767::int2", "(-32768)::int2"),
        ColumnKind.Int4 => Gen.Frequency((4, Gen.Choose(-10, 100).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))), (1, Gen.Elements("0", "2147483647", "(-2147483648)", "65536"))),
        ColumnKind.Int8 => Gen.Elements("0::int8", "1::int8", "3::int8", "-7::int8", "3000000000", "9223372036854775807", "(-9223372036854775807)::int8"),
        ColumnKind.Float4 => Gen.Elements("'1.5'::float4", "'0'::float4", "'-0.25'::float4", "'NaN'::float4", "'Infinity'::float4", "'-0'::float4", "'3e38'::float4"),
        ColumnKind.Float8 => Gen.Elements("'1.5'::float8", "'0'::float8", "'-2.75'::float8", "'NaN'::float8", "'Infinity'::float8", "'-Infinity'::float8", "'-0'::float8", "'1e308'::float8", "'0.1'::float8"),
        ColumnKind.Numeric => Gen.Elements("1.50", "0", "-3", "0.001", "2", "'NaN'::numeric", "100000000000000000000", "(-0.5)", "'Infinity'::numeric", "7"),
        ColumnKind.Text => Gen.Elements("'abc'::text", "''::text", "'a '::text", "'w1'::text", "'item 1'::text", "'ABC'::text", "' '::text", "'zz'::text", "'😀'::text", "'Ａ'::text", "'ß'::text"),
        ColumnKind.Date => Gen.Elements("DATE '2000-01-01'", "DATE '1999-12-31'", "DATE 'infinity'", "DATE '2010-06-15'", "DATE '1980-02-29'"),
        ColumnKind.Timestamp => Gen.Elements("TIMESTAMP '2000-01-01 00:00:00'", "TIMESTAMP '2000-06-01 12:30:00.5'", "TIMESTAMP '-infinity'", "TIMESTAMP '1995-01-01 00:00:00'"),
        ColumnKind.Interval => Gen.Elements("INTERVAL '1 day'", "INTERVAL '24 hours'", "INTERVAL '1 mon'", "INTERVAL '-2 hours'", "INTERVAL '0'"),
        ColumnKind.Time => Gen.Elements("TIME '12:00:00'", "TIME '00:00:00'", "TIME '23:59:59.5'", "TIME '08:30:00'"),
        ColumnKind.Timestamptz => Gen.Elements("TIMESTAMPTZ '2000-01-01 00:00:00+00'", "TIMESTAMPTZ '2000-06-01 12:30:00.5-08'", "TIMESTAMPTZ 'infinity'", "TIMESTAMPTZ '1995-01-01 00:00:00+05:30'"),
        ColumnKind.Uuid => Gen.Elements("'00000000-0000-0000-0000-000000000000'::uuid", "'00000001-1234-4000-8000-000000001eef'::uuid", "'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid"),
        ColumnKind.Bytea => Gen.Elements("'\\x'::bytea", "'\\x6162'::bytea", "'\\x00'::bytea", "'\\xff00'::bytea", "'\\x7731'::bytea"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private Gen<Expr> Compound(ColumnKind kind, int depth)
    {
        var ops = new List<(int Weight, Func<Gen<Expr>> Make)>
        {
            (2, () => Case(kind, depth)),
            (2, () => Gen.Zip(Scalar(kind, depth), Scalar(kind, depth)).Select(p => Expr.Op(kind, "COALESCE({0}, {1})", "coalesce", p.Item1, p.Item2))),
            (1, () => Gen.Zip(Scalar(kind, depth), Scalar(kind, depth)).Select(p => Expr.Op(kind, "NULLIF({0}, {1})", "nullif", p.Item1, p.Item2))),
        };
        // uuid and bytea order too, but bool's greatest/least are rare enough to leave out.
        if (kind != ColumnKind.Bool)
            ops.Add((1, () =>
                from f in Gen.Elements("GREATEST", "LEAST")
                from a in Scalar(kind, depth)
                from b in Scalar(kind, depth)
                select Expr.Op(kind, f + "({0}, {1})", "greatest-least", a, b)));
        switch (kind)
        {
            case ColumnKind.Int2:
            case ColumnKind.Int4:
            case ColumnKind.Int8:
                ops.Add((6, () => Arith(kind, depth, "+", "-", "*", "/", "%")));
                ops.Add((1, () => Scalar(kind, depth).Select(a => Expr.Op(kind, "(- {0})", "arith", a))));
                ops.Add((1, () => Scalar(kind, depth).Select(a => Expr.Op(kind, "abs({0})", "function", a))));
                ops.Add((3, () => Cast(kind, depth, ColumnKind.Int2, ColumnKind.Int4, ColumnKind.Int8, ColumnKind.Float8, ColumnKind.Float4, ColumnKind.Numeric)));
                if (kind == ColumnKind.Int4)
                {
                    ops.Add((1, () => Gen.Zip(Scalar(ColumnKind.Text, depth), Gen.Elements("length", "char_length", "octet_length")).Select(p => Expr.Op(kind, p.Item2 + "({0})", "function", p.Item1))));
                    ops.Add((1, () => Gen.Zip(Scalar(ColumnKind.Date, depth), Scalar(ColumnKind.Date, depth)).Select(p => Expr.Op(kind, "({0} - {1})", "date-arith", p.Item1, p.Item2))));
                }
                break;
            case ColumnKind.Float4:
            case ColumnKind.Float8:
                ops.Add((6, () => Arith(kind, depth, "+", "-", "*", "/")));
                ops.Add((1, () => Scalar(kind, depth).Select(a => Expr.Op(kind, "(- {0})", "arith", a))));
                ops.Add((3, () => Cast(kind, depth, ColumnKind.Int4, ColumnKind.Int8, ColumnKind.Float4, ColumnKind.Float8, ColumnKind.Numeric)));
                if (kind == ColumnKind.Float8)
                    ops.Add((1, () => Scalar(kind, depth).Select(a => Expr.Op(kind, "sqrt({0})", "function", a))));
                break;
            case ColumnKind.Numeric:
                ops.Add((6, () => Arith(kind, depth, "+", "-", "*", "/", "%")));
                ops.Add((1, () => Scalar(kind, depth).Select(a => Expr.Op(kind, "(- {0})", "arith", a))));
                ops.Add((3, () => Cast(kind, depth, ColumnKind.Int2, ColumnKind.Int4, ColumnKind.Int8, ColumnKind.Float8)));
                ops.Add((1, () => Scalar(kind, depth).Select(a => Expr.Op(kind, "({0})::numeric(10,2)", "cast", a))));
                ops.Add((1, () => Scalar(kind, depth).Select(a => Expr.Op(kind, "round({0}, 1)", "function", a))));
                ops.Add((1, () =>
                    from field in Gen.Elements("YEAR", "MONTH", "DAY", "DOW", "DOY", "EPOCH", "QUARTER")
                    from source in Gen.Elements(ColumnKind.Date, ColumnKind.Timestamp)
                    from a in Scalar(source, depth)
                    select Expr.Op(kind, "EXTRACT(" + field + " FROM {0})", "extract", a)));
                break;
            case ColumnKind.Text:
                ops.Add((3, () => Gen.Zip(Scalar(kind, depth), Scalar(kind, depth)).Select(p => Expr.Op(kind, "({0} || {1})", "concat", p.Item1, p.Item2))));
                ops.Add((2, () => Gen.Zip(Scalar(kind, depth), Gen.Elements("upper", "lower")).Select(p => Expr.Op(kind, p.Item2 + "({0})", "function", p.Item1))));
                ops.Add((1, () => Scalar(kind, depth).Select(a => Expr.Op(kind, "substr({0}, 2, 3)", "function", a))));
                ops.Add((2, () => Cast(kind, depth, ColumnKind.Int4, ColumnKind.Int8, ColumnKind.Numeric, ColumnKind.Bool, ColumnKind.Float4, ColumnKind.Float8, ColumnKind.Date, ColumnKind.Timestamp)));
                ops.Add((1, () => Scalar(kind, depth).Select(a => Expr.Op(kind, "({0})::text", "cast", a))));
                break;
            case ColumnKind.Date:
                ops.Add((3, () =>
                    from a in Scalar(kind, depth)
                    from days in Gen.Choose(-400, 400)
                    from sign in Gen.Elements("+", "-")
                    select Expr.Op(kind, "({0} " + sign + " " + days.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")", "date-arith", a)));
                ops.Add((1, () => Scalar(ColumnKind.Timestamp, depth).Select(a => Expr.Op(kind, "({0})::date", "cast", a))));
                break;
            case ColumnKind.Timestamp:
                ops.Add((2, () => Scalar(ColumnKind.Date, depth).Select(a => Expr.Op(kind, "({0})::timestamp", "cast", a))));
                ops.Add((2, () => Gen.Zip(Scalar(kind, depth), Scalar(ColumnKind.Interval, depth)).Select(p => Expr.Op(kind, "({0} + {1})", "date-arith", p.Item1, p.Item2))));
                ops.Add((1, () => Gen.Zip(Scalar(kind, depth), Gen.Elements("year", "month", "day", "hour", "quarter", "week")).Select(p => Expr.Op(kind, "date_trunc('" + p.Item2 + "', {0})", "date_trunc", p.Item1))));
                break;
            case ColumnKind.Interval:
                ops.Add((2, () => Gen.Zip(Scalar(ColumnKind.Timestamp, depth), Scalar(ColumnKind.Timestamp, depth)).Select(p => Expr.Op(kind, "({0} - {1})", "date-arith", p.Item1, p.Item2))));
                ops.Add((1, () => Gen.Zip(Scalar(kind, depth), Scalar(kind, depth)).Select(p => Expr.Op(kind, "({0} + {1})", "date-arith", p.Item1, p.Item2))));
                break;
            case ColumnKind.Bool:
                ops.Add((6, () => Predicate(depth)));
                break;
        }
        AddRegistryFunctions(ops, kind, depth);
        return Gen.Frequency(ops.Select(o => (o.Weight, Lazy(o.Make))));
    }

    /// <summary>Binary arithmetic, sometimes mixing integer widths or float widths (cross-type operators).</summary>
    private Gen<Expr> Arith(ColumnKind kind, int depth, params string[] operators)
    {
        var partner = kind switch
        {
            ColumnKind.Int8 => Gen.Elements(ColumnKind.Int8, ColumnKind.Int8, ColumnKind.Int4, ColumnKind.Int2),
            ColumnKind.Int4 => Gen.Elements(ColumnKind.Int4, ColumnKind.Int4, ColumnKind.Int2),
            ColumnKind.Float8 => Gen.Elements(ColumnKind.Float8, ColumnKind.Float8, ColumnKind.Float4),
            ColumnKind.Numeric => Gen.Elements(ColumnKind.Numeric, ColumnKind.Numeric, ColumnKind.Int4),
            _ => Gen.Constant(kind),
        };
        return
            from op in Gen.Elements(operators)
            from other in partner
            from a in Scalar(kind, depth)
            from b in Scalar(other, depth)
            from swap in Gen.Elements(false, true)
            select swap
                ? Expr.Op(kind, "({0} " + op + " {1})", "arith", b, a)
                : Expr.Op(kind, "({0} " + op + " {1})", "arith", a, b);
    }

    private Gen<Expr> Cast(ColumnKind kind, int depth, params ColumnKind[] sources) =>
        from source in Gen.Elements(sources.Where(k => k != kind).ToArray())
        from a in Scalar(source, depth)
        select Expr.Op(kind, "({0})::" + kind.SqlName(), "cast", a);

    private Gen<Expr> Case(ColumnKind kind, int depth) =>
        from when in Predicate(depth)
        from then in Scalar(kind, depth)
        from otherwise in Scalar(kind, depth)
        from hasElse in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
        select hasElse
            ? Expr.Op(kind, "CASE WHEN {0} THEN {1} ELSE {2} END", "case", when, then, otherwise)
            : Expr.Op(kind, "CASE WHEN {0} THEN {1} END", "case", when, then);

    /// <summary>An aggregate call (count, sum, avg, min, max; sometimes DISTINCT or FILTER).</summary>
    public Gen<Expr> Aggregate(int depth) =>
        from fn in Gen.Frequency(
            (3, Gen.Constant("count(*)")), (3, Gen.Constant("count")), (4, Gen.Constant("sum")), (3, Gen.Constant("avg")),
            (3, Gen.Constant("min")), (3, Gen.Constant("max")), (1, Gen.Constant("bool_and")), (1, Gen.Constant("count-distinct")),
            (1, Gen.Constant("bool_or")), (1, Gen.Constant("string_agg")), (1, Gen.Constant("variance")), (1, Gen.Constant("agg-distinct")))
        from kind in fn switch
        {
            // Only over integers: equal numerics print alike only at equal scales (1.0, 1.00) and
            // floats have -0/0, so which duplicate DISTINCT keeps would show in the sum.
            "agg-distinct" => Gen.Elements(ColumnKind.Int2, ColumnKind.Int4, ColumnKind.Int8),
            "sum" or "avg" => Gen.Elements(ColumnKind.Int2, ColumnKind.Int4, ColumnKind.Int8, ColumnKind.Float4, ColumnKind.Float8, ColumnKind.Numeric, ColumnKind.Numeric, ColumnKind.Interval),
            "bool_and" or "bool_or" => Gen.Constant(ColumnKind.Bool),
            "string_agg" => Gen.Constant(ColumnKind.Text),
            // Over integers and numeric the variance family is exact (numeric accumulation);
            // over floats it depends on summation order by more than a sum does (cancellation).
            "variance" => Gen.Elements(ColumnKind.Int2, ColumnKind.Int4, ColumnKind.Int8, ColumnKind.Numeric),
            // PostgreSQL 15 has no min/max for bool, uuid or bytea.
            "min" or "max" => AnyKind().Where(k => k is not (ColumnKind.Bool or ColumnKind.Uuid or ColumnKind.Bytea)),
            _ => AnyKind(),
        }
        from arg in Scalar(kind, depth)
        from filter in Gen.Frequency((4, Gen.Constant<Expr?>(null)), (1, Predicate(1).Select(p => (Expr?)p)))
        from variant in Gen.Elements("stddev_samp", "stddev_pop", "var_samp", "var_pop", "stddev", "variance")
        from distinctFn in Gen.Elements("sum-distinct", "avg-distinct")
        select MakeAggregate(fn switch { "variance" => variant, "agg-distinct" => distinctFn, _ => fn }, arg, filter);

    /// <summary>
    /// The aggregate <paramref name="fn"/> (as <see cref="Aggregate"/> names them: count(*), count,
    /// sum, min, max, string_agg) over an expression of <paramref name="argKind"/>, sometimes with a
    /// FILTER: the result kind depends only on the two, so two blocks over other tables can produce
    /// the same column kinds (set-operation arms).
    /// </summary>
    public Gen<Expr> AggregateOver(string fn, ColumnKind argKind) =>
        from arg in Scalar(argKind, 0)
        from filter in Gen.Frequency((4, Gen.Constant<Expr?>(null)), (1, Predicate(1).Select(p => (Expr?)p)))
        select MakeAggregate(fn, arg, filter);

    private static Expr MakeAggregate(string fn, Expr arg, Expr? filter)
    {
        var inexact = fn is "sum" or "avg" && arg.Kind.IsFloat();
        var (kind, call, args) = fn switch
        {
            "count(*)" => (ColumnKind.Int8, "count(*)", Array.Empty<Expr>()),
            "count" => (ColumnKind.Int8, "count({0})", [arg]),
            "count-distinct" => (ColumnKind.Int8, "count(DISTINCT {0})", [arg]),
            "sum-distinct" => (arg.Kind == ColumnKind.Int8 ? ColumnKind.Numeric : ColumnKind.Int8, "sum(DISTINCT {0})", [arg]),
            "avg-distinct" => (ColumnKind.Numeric, "avg(DISTINCT {0})", [arg]),
            "sum" => (arg.Kind switch
            {
                ColumnKind.Int2 or ColumnKind.Int4 => ColumnKind.Int8,
                ColumnKind.Int8 => ColumnKind.Numeric,
                _ => arg.Kind,
            }, "sum({0})", new[] { arg }),
            "avg" => (arg.Kind switch
            {
                ColumnKind.Int2 or ColumnKind.Int4 or ColumnKind.Int8 => ColumnKind.Numeric,
                ColumnKind.Float4 => ColumnKind.Float8,
                _ => arg.Kind,
            }, "avg({0})", new[] { arg }),
            "bool_and" or "bool_or" => (ColumnKind.Bool, fn + "({0})", [arg]),
            // Ordered by the argument itself, so the result is deterministic (equal texts print alike).
            "string_agg" => (ColumnKind.Text, "string_agg({0}, ',' ORDER BY {0})", [arg]),
            "stddev_samp" or "stddev_pop" or "var_samp" or "var_pop" or "stddev" or "variance" => (ColumnKind.Numeric, fn + "({0})", [arg]),
            _ => (arg.Kind == ColumnKind.Varchar ? ColumnKind.Text : arg.Kind, fn + "({0})", new[] { arg }),
        };
        var tag = fn switch { "count(*)" => "count", "sum-distinct" or "avg-distinct" => "agg-distinct", "stddev_samp" or "stddev_pop" or "var_samp" or "var_pop" or "stddev" or "variance" => "variance", _ => fn };
        if (filter != null)
        {
            call += " FILTER (WHERE {" + args.Length + "})";
            args = [.. args, filter];
            tag = "agg-filter";
        }
        return new Expr(kind, call, args, tag, Aggregate: true, Inexact: inexact);
    }
}
