using FsCheck;
using FsCheck.Fluent;
using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Generators;

/// <summary>
/// Functions and operators Codegen's FunctionRegistry implements that the first grammar never
/// generated (fuzz15, 2026-12-02): the trim family, position/strpos, `substring(x FROM n)` and
/// substr with computed bounds, mod(), trunc/ceil/floor/round of float8 and numeric, interval
/// × / ÷ float8 and unary minus, date ± interval, timestamp − interval, timestamptz ± interval and
/// the timestamp/timestamptz/date/time casts between them, EXTRACT of interval and timestamptz,
/// date_trunc of timestamptz, and LIKE with a computed pattern or an explicit ESCAPE.
/// Each is tagged `registry-*` so the summary shows how often it offloads.
/// </summary>
public sealed partial class ExprGen
{
    /// <summary>Adds the registry functions returning <paramref name="kind"/> to <paramref name="ops"/>.</summary>
    private void AddRegistryFunctions(List<(int Weight, Func<Gen<Expr>> Make)> ops, ColumnKind kind, int depth)
    {
        switch (kind)
        {
            case ColumnKind.Int2:
            case ColumnKind.Int4:
            case ColumnKind.Int8:
                ops.Add((1, () => Gen.Zip(Scalar(kind, depth), Scalar(kind, depth)).Select(p => Expr.Op(kind, "mod({0}, {1})", "registry-math", p.Item1, p.Item2))));
                if (kind == ColumnKind.Int4)
                    ops.Add((1, () =>
                        from f in Gen.Elements("position({1} in {0})", "strpos({0}, {1})")
                        from a in Scalar(ColumnKind.Text, depth)
                        from b in Scalar(ColumnKind.Text, depth)
                        select Expr.Op(kind, f, "registry-text", a, b)));
                break;
            case ColumnKind.Float8:
                ops.Add((1, () =>
                    from f in Gen.Elements("round", "trunc", "ceil", "floor")
                    from a in Scalar(kind, depth)
                    select Expr.Op(kind, f + "({0})", "registry-math", a)));
                break;
            case ColumnKind.Numeric:
                ops.Add((2, () =>
                    from f in Gen.Elements("round({0})", "trunc({0})", "trunc({0}, 1)", "round({0}, -1)", "trunc({0}, -2)", "ceil({0})", "floor({0})", "ceiling({0})")
                    from a in Scalar(kind, depth)
                    select Expr.Op(kind, f, "registry-math", a)));
                ops.Add((1, () => Gen.Zip(Scalar(kind, depth), Scalar(kind, depth)).Select(p => Expr.Op(kind, "mod({0}, {1})", "registry-math", p.Item1, p.Item2))));
                ops.Add((1, () =>
                    from field in Gen.Elements("DAY", "HOUR", "MINUTE", "MONTH", "YEAR", "EPOCH")
                    from source in Gen.Elements(ColumnKind.Interval, ColumnKind.Timestamptz)
                    from a in Scalar(source, depth)
                    select Expr.Op(kind, "EXTRACT(" + field + " FROM {0})", "registry-datetime", a)));
                break;
            case ColumnKind.Text:
                ops.Add((2, () =>
                    from f in Gen.Elements("btrim({0})", "ltrim({0})", "rtrim({0})", "btrim({0}, 'a ')", "ltrim({0}, 'ab')", "rtrim({0}, ' 1')", "trim(both 'z' from {0})", "substring({0} from 2)")
                    from a in Scalar(kind, depth)
                    select Expr.Op(kind, f, "registry-text", a)));
                // Computed bounds: a negative length raises 22011, huge ones must not overflow.
                ops.Add((1, () =>
                    from a in Scalar(kind, depth)
                    from start in Scalar(ColumnKind.Int4, 0)
                    from length in Scalar(ColumnKind.Int4, 0)
                    select Expr.Op(kind, "substr({0}, {1}, {2})", "registry-text", a, start, length)));
                break;
            case ColumnKind.Interval:
                ops.Add((2, () =>
                    from f in Gen.Elements("({0} * {1})", "({1} * {0})", "({0} / {1})")
                    from a in Scalar(kind, depth)
                    from factor in Scalar(ColumnKind.Float8, depth)
                    select Expr.Op(kind, f, "registry-datetime", a, factor)));
                ops.Add((1, () => Scalar(kind, depth).Select(a => Expr.Op(kind, "(- {0})", "registry-datetime", a))));
                break;
            case ColumnKind.Timestamp:
                ops.Add((2, () =>
                    from f in Gen.Elements("({0} + {1})", "({0} - {1})")
                    from source in Gen.Elements(ColumnKind.Date, ColumnKind.Timestamp)
                    from a in Scalar(source, depth)
                    from i in Scalar(ColumnKind.Interval, depth)
                    select Expr.Op(kind, f, "registry-datetime", a, i)));
                ops.Add((1, () => Scalar(ColumnKind.Timestamptz, depth).Select(a => Expr.Op(kind, "({0})::timestamp", "registry-datetime", a))));
                break;
            case ColumnKind.Timestamptz:
                ops.Add((3, () =>
                    from f in Gen.Elements("({0} + {1})", "({0} - {1})")
                    from a in Scalar(kind, depth)
                    from i in Scalar(ColumnKind.Interval, depth)
                    select Expr.Op(kind, f, "registry-datetime", a, i)));
                ops.Add((2, () =>
                    from source in Gen.Elements(ColumnKind.Date, ColumnKind.Timestamp)
                    from a in Scalar(source, depth)
                    select Expr.Op(kind, "({0})::timestamptz", "registry-datetime", a)));
                ops.Add((1, () => Gen.Zip(Scalar(kind, depth), Gen.Elements("day", "month", "hour", "year")).Select(p => Expr.Op(kind, "date_trunc('" + p.Item2 + "', {0})", "registry-datetime", p.Item1))));
                break;
            case ColumnKind.Date:
                ops.Add((1, () => Scalar(ColumnKind.Timestamptz, depth).Select(a => Expr.Op(kind, "({0})::date", "registry-datetime", a))));
                break;
            case ColumnKind.Time:
                ops.Add((2, () =>
                    from source in Gen.Elements(ColumnKind.Timestamp, ColumnKind.Timestamptz)
                    from a in Scalar(source, depth)
                    select Expr.Op(kind, "({0})::time", "registry-datetime", a)));
                break;
        }
    }

    /// <summary>
    /// LIKE whose pattern is computed (another text expression, so like.c's escape handling and
    /// its "must not end with escape character" error run per row), or a constant pattern with an
    /// explicit ESCAPE character, or ESCAPE '' (no escape at all).
    /// </summary>
    private Gen<Expr> LikeRegistry(int depth) =>
        from a in Scalar(ColumnKind.Text, depth - 1)
        from shape in Gen.Elements(0, 1, 2)
        from pattern in Scalar(ColumnKind.Text, depth - 1)
        from constant in Gen.Elements("'a#%%'", "'%#_'", "'##%'", "'a#'", "'%\\'", "'_#b%'")
        from escape in Gen.Elements("'#'", "''", "'\\'")
        from not in Gen.Elements("", "NOT ")
        select shape switch
        {
            0 => Expr.Op(ColumnKind.Bool, "({0} " + not + "LIKE {1})", "registry-like", a, pattern),
            1 => Expr.Op(ColumnKind.Bool, "({0} " + not + "LIKE {1} ESCAPE " + escape + ")", "registry-like", a, pattern),
            _ => Expr.Op(ColumnKind.Bool, "({0} " + not + "LIKE " + constant + " ESCAPE " + escape + ")", "registry-like", a),
        };
}
