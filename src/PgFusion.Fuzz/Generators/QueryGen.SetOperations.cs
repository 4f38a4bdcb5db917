using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Generators;

/// <summary>
/// UNION / INTERSECT / EXCEPT [ALL]: two (sometimes three) single-table blocks with the same column
/// kinds; since fuzz21 also grouped arms (`GROUP BY 1, .., n` with an aggregate column), a third arm
/// nested on the right (`(A) UNION ((B) EXCEPT (C))`) and an ORDER BY over every output column of
/// the set operation with LIMIT/OFFSET.
/// </summary>
public static partial class QueryGen
{
    /// <summary>Aggregates whose result kind follows from the argument kind alone (<see cref="ExprGen.AggregateOver"/>).</summary>
    private static readonly string[] ArmAggregates = ["count(*)", "count", "sum", "min", "max", "string_agg"];

    private static Gen<FuzzQuery> SetOperation(FuzzSchema schema) =>
        from n in Gen.Choose(1, 3)
        from ta in Gen.Elements(schema.Tables.ToArray())
        from tb in Gen.Elements(schema.Tables.ToArray())
        let ga = new ExprGen(ScopeOf(ta, "a"), schema, false)
        let gb = new ExprGen(ScopeOf(tb, "a"), schema, false)
        from kinds in ga.AnyKind().ArrayOf(n)
        from shape in Gen.Frequency((4, Gen.Constant("plain")), (2, Gen.Constant("grouped")), (1, Gen.Constant("nested")))
        from aggregate in ArmAggregate(ga)
        from left in Arm(ga, ta, kinds, shape == "grouped" ? aggregate : null, grouped: shape == "grouped")
        from rightGrouped in Gen.Frequency((2, Gen.Constant(true)), (1, Gen.Constant(false)))
        from right in Arm(gb, tb, kinds, shape == "grouped" ? aggregate : null, grouped: shape == "grouped" && rightGrouped)
        from op in SetOperator()
        from third in shape == "nested" ? NestedArm(schema, kinds).Select(t => (FuzzQuery?)t) : Gen.Constant<FuzzQuery?>(null)
        from order in Order(left.Select.Count)
        let query = order(left with
        {
            SetOp = op,
            SetOpRight = third == null ? right : right with { SetOp = third.SetOp, SetOpRight = third.SetOpRight },
        })
        let tags = (shape == "plain" ? Array.Empty<string>() : ["setop-" + shape]).Concat(query.OrderBy != null ? ["setop-ordered"] : Array.Empty<string>())
        select query with { FromTags = [.. tags] };

    private static Gen<string> SetOperator() => Gen.Elements("UNION", "UNION ALL", "INTERSECT", "INTERSECT ALL", "EXCEPT", "EXCEPT ALL");

    /// <summary>The aggregate column of grouped arms: a function and its argument kind (the same in both arms).</summary>
    private static Gen<(string Fn, ColumnKind ArgKind)> ArmAggregate(ExprGen g) =>
        from fn in Gen.Elements(ArmAggregates)
        from kind in fn switch
        {
            "sum" => Gen.Elements(ColumnKind.Int2, ColumnKind.Int4, ColumnKind.Int8, ColumnKind.Numeric),
            "string_agg" => Gen.Constant(ColumnKind.Text),
            // PostgreSQL 15 has no min/max for bool, uuid or bytea.
            "min" or "max" => g.AnyKind().Where(k => k is not (ColumnKind.Bool or ColumnKind.Uuid or ColumnKind.Bytea)),
            _ => g.AnyKind(),
        }
        select (fn, kind);

    /// <summary>
    /// One arm: an expression of each kind, with WHERE; grouped: `GROUP BY 1, .., n` (positions, so a
    /// constant item is no error) and the aggregate column, which an ungrouped arm replaces by an
    /// expression of the aggregate's result kind.
    /// </summary>
    private static Gen<FuzzQuery> Arm(ExprGen g, FuzzTable table, ColumnKind[] kinds, (string Fn, ColumnKind ArgKind)? aggregate, bool grouped) =>
        from items in Gen.CollectToArray(kinds.Select(k => g.Scalar(k, 1)))
        from filters in Where(g)
        from agg in aggregate is { } a ? g.AggregateOver(a.Fn, a.ArgKind).Select(e => (Expr?)e) : Gen.Constant<Expr?>(null)
        from aggAsScalar in agg == null ? Gen.Constant<Expr?>(null) : g.Scalar(agg.Kind, 1).Select(e => (Expr?)e)
        select agg == null
            ? new FuzzQuery { From = $"{table.Name} a", Select = items, Where = filters }
            : grouped
                ? new FuzzQuery
                {
                    From = $"{table.Name} a", Select = [.. items, agg], Where = filters, Grouped = true,
                    GroupBy = [.. Enumerable.Range(1, items.Length).Select(i => Expr.Leaf(ColumnKind.Int4, i.ToString(CultureInfo.InvariantCulture)))],
                }
                : new FuzzQuery { From = $"{table.Name} a", Select = [.. items, aggAsScalar!], Where = filters };

    /// <summary>A set operation of two plain arms, nested as the right arm of another: `(A) op ((B) op2 (C))`.</summary>
    private static Gen<FuzzQuery> NestedArm(FuzzSchema schema, ColumnKind[] kinds) =>
        from tc in Gen.Elements(schema.Tables.ToArray())
        let gc = new ExprGen(ScopeOf(tc, "a"), schema, false)
        from c in Arm(gc, tc, kinds, null, grouped: false)
        from op in SetOperator()
        select new FuzzQuery { From = "", Select = [], SetOp = op, SetOpRight = c };
}
