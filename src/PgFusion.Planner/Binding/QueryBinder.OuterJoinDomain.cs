using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// A subquery in the ON condition of a LEFT (RIGHT) JOIN that reads both inputs. Its value depends
// on a pair of rows, but the outer join must see each preserved row once, so the subquery cannot
// run over the pairs and filter them afterwards. Instead the nullable input is crossed with the
// domain D of the preserved input's columns the subquery reads (DISTINCT over a second scan of
// their table, plus one all-NULL row, which covers NULL-extended and NULL values), the subquery is
// joined to those rows with the preserved columns read from D, and the ON condition gains
// "D's columns IS NOT DISTINCT FROM the preserved row's": each pair (preserved row, nullable row)
// then meets exactly one row of the crossed input, carrying the subquery's value for that pair.
// Rows of the crossed input that no preserved row pairs with are dropped by the outer join.
public sealed partial class QueryBinder
{
    /// <summary>
    /// A FULL JOIN whose ON condition holds a subquery reading both inputs: the LEFT JOIN with the
    /// domain (its matched pairs and its unmatched left rows) and, appended, the RIGHT JOIN with the
    /// domain's unmatched right rows (those whose left side is NULL-extended, seen by a constant
    /// marker crossed into the left input). Both halves read both inputs: each input's columns keep
    /// their ids in both, and the union outputs them again (the inputs' columns are the join's).
    /// PostgreSQL refuses a FULL JOIN without a hashable or mergeable equality between its inputs, so
    /// one is required here as in the physical planner (falling back gives PostgreSQL's error).
    /// </summary>
    private LogicalPlan FullJoinWithDomain(LogicalPlan left, LogicalPlan right, BoundExpr condition, List<SubqueryJoin> both, ExpressionBinder binder)
    {
        var leftIds = ColumnIds.Of(left.Output);
        var rightIds = ColumnIds.Of(right.Output);
        if (!PredicatePushdown.Conjuncts(condition).Any(c => Physical.PhysicalPlanner.TryEquiKey(c, leftIds, rightIds, out _, out _)))
            throw UnsupportedConstructException.NotYet("FULL JOIN without an equality between its inputs");
        var matchedAndLeft = OuterJoinWithDomain(left, right, LogicalJoinType.Left, condition, both, binder);
        var marker = _ids.New("matched", PgType.Bool);
        var marked = new LogicalJoin(left, new LogicalProject(new LogicalOneRow(), [new NamedExpr(marker, new BoundConst(true, PgType.Bool))]), LogicalJoinType.Inner, null);
        var rightUnmatched = new LogicalFilter(OuterJoinWithDomain(marked, right, LogicalJoinType.Right, condition, both, binder),
            new BoundNullTest(new LogicalColumnRef(marker), IsNotNull: false));
        var columns = left.Output.Concat(right.Output).ToList();
        LogicalPlan Arm(LogicalPlan plan) => new LogicalProject(plan, [.. columns.Select(c => new NamedExpr(_ids.New(c.Name, c.Type), new LogicalColumnRef(c)))]);
        return new LogicalUnionAll([Arm(matchedAndLeft), Arm(rightUnmatched)], columns);
    }

    private LogicalPlan OuterJoinWithDomain(LogicalPlan left, LogicalPlan right, LogicalJoinType kind, BoundExpr condition, List<SubqueryJoin> both, ExpressionBinder binder)
    {
        const string what = "subquery in the ON condition of an outer join that reads both of its inputs";
        bool leftPreserved = kind == LogicalJoinType.Left;
        var preserved = leftPreserved ? left : right;
        var nullable = leftPreserved ? right : left;
        var preservedIds = ColumnIds.Of(preserved.Output);
        var columns = both.SelectMany(j => new[] { j.Condition, j.Check }).OfType<BoundExpr>().SelectMany(e => e.ReferencedColumns())
            .Where(c => preservedIds.Contains(c.Id)).DistinctBy(c => c.Id).ToList();
        var origins = new List<(LogicalColumn Column, int Rti, int AttNum)>();
        foreach (var c in columns)
        {
            if (binder.Scope.Origin(c) is not { } o || binder.Scope.RangeTable[o.Rti - 1].Int32("rtekind") != RteKind.Relation)
                throw UnsupportedConstructException.NotYet($"{what} and reads {c.Name}, which is not a table column");
            if (EqualityFor(c.Type) is null) throw UnsupportedConstructException.NotYet($"{what} and reads {c.Name} of type {TypeLabel(c.Type.Oid)}");
            origins.Add((c, o.Rti, o.AttNum));
        }
        var toDomain = new Dictionary<int, LogicalColumn>();
        LogicalPlan? domain = null;
        foreach (var table in origins.GroupBy(o => o.Rti))
        {
            var rte = binder.Scope.RangeTable[table.Key - 1];
            var relation = Relation(rte);
            string alias = rte.Optional("alias")?.Optional("aliasname")?.Text() ?? relation.Name;
            var scanColumns = table.Select(o => new ScanColumn(o.AttNum, _ids.New(o.Column.Name, o.Column.Type))).ToList();
            var values = new LogicalProject(new LogicalScan(table.Key, alias, relation, scanColumns),
                [.. scanColumns.Select(s => new NamedExpr(_ids.New(s.Column.Name, s.Column.Type), new LogicalColumnRef(s.Column)))]);
            var nulls = new LogicalProject(new LogicalOneRow(), [.. table.Select(o => new NamedExpr(_ids.New(o.Column.Name, o.Column.Type), new BoundConst(null, o.Column.Type)))]);
            var union = table.Select(o => _ids.New(o.Column.Name, o.Column.Type)).ToList();
            var keys = union.Select(u => new NamedExpr(_ids.New(u.Name, u.Type), new LogicalColumnRef(u))).ToList();
            LogicalPlan distinct = new LogicalAggregate(new LogicalUnionAll([values, nulls], union), keys, []);
            foreach (var (o, k) in table.Zip(keys)) toDomain[o.Column.Id] = k.Column;
            domain = domain is null ? distinct : new LogicalJoin(domain, distinct, LogicalJoinType.Inner, null);
        }
        BoundExpr? Substitute(BoundExpr? e) => e?.RenameColumns(toDomain);
        nullable = new LogicalJoin(nullable, domain!, LogicalJoinType.Inner, null);
        foreach (var j in both) nullable = (j with { Condition = Substitute(j.Condition), Check = Substitute(j.Check) }).Apply(nullable);
        var pairing = origins.Select(o =>
        {
            BoundExpr d = new LogicalColumnRef(toDomain[o.Column.Id]), p = new LogicalColumnRef(o.Column);
            var (eq, comparedAs) = EqualityFor(o.Column.Type)!.Value;
            BoundExpr equal = comparedAs == o.Column.Type
                ? new BoundFuncCall(eq.Oid, eq.Name, [d, p], PgType.Bool)
                : new BoundFuncCall(eq.Oid, eq.Name, [new BoundRelabel(d, comparedAs), new BoundRelabel(p, comparedAs)], PgType.Bool);
            return (BoundExpr)new BoundBoolExpr(BoolOp.Or,
                [equal, new BoundBoolExpr(BoolOp.And, [new BoundNullTest(d, IsNotNull: false), new BoundNullTest(p, IsNotNull: false)])]);
        }).ToList();
        var on = PredicateSimplification.Conjunction([condition, .. pairing]);
        return leftPreserved ? new LogicalJoin(preserved, nullable, LogicalJoinType.Left, on) : new LogicalJoin(nullable, preserved, LogicalJoinType.Right, on);
    }
}
