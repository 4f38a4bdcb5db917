using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// Correlation other than equalities (u.b > t.a, u.a <> t.a + 1) in a subquery bound as a mark or a
// scalar, or equalities around quals that can raise (QueryBinder.OuterRowDomain): decorrelated
// through the domain of the outer columns it reads (the "magic set" of Seshadri et al. and Neumann
// and Kemper's unnesting). The domain D is the DISTINCT values of those columns over a second scan
// of their table filtered by the enclosing WHERE's conjuncts over it that cannot raise, a superset
// of the values the outer rows that reach the subquery carry. The
// subquery's rows are inner-joined to D (columns of several tables: the cross product of their
// domains) on its correlation conjuncts with the outer columns read
// from D, which leaves a subquery correlated by equalities only, d = outer column, and the equality
// machinery (grouping by the keys, the left join back) applies unchanged. The subquery's own WHERE
// conjuncts go in one filter over that join with the correlation ones, in their written order, so
// PredicatePushdown sees PostgreSQL's qual list of the subquery's scan (LogicalJoin.Domain).
//
// The left join back cannot match an outer row whose column is NULL; that row then gets what the
// subquery gives over no rows. That is exact only when a NULL in that column empties the subquery,
// so every outer column must appear in a correlation conjunct that is NULL when the column is
// (a strict operator over it), or the subquery stays Unsupported.
public sealed partial class QueryBinder
{
    /// <summary>
    /// The subquery plan joined to the domain of the outer columns its WHERE reads and filtered by
    /// that WHERE, and its correlations d = outer column; null (with the reason) when the outer
    /// columns are not all table columns of the enclosing query, have a type without a hashable
    /// equality here, or may be NULL without emptying the subquery.
    /// </summary>
    /// <param name="where">The subquery's WHERE conjuncts in their written order: its own, the
    /// correlation equalities and the other correlation conjuncts.</param>
    private (LogicalPlan Plan, List<Correlation> Correlations)? DomainDecorrelate(
        LogicalPlan plan, IReadOnlyList<BoundExpr> where, ExpressionBinder outer, out string? reason)
    {
        reason = null;
        var produced = ColumnIds.Of(plan.Output);
        var conjuncts = where.Where(c => c.ReferencedColumns().Any(r => !produced.Contains(r.Id))).ToList();
        var outerColumns = conjuncts.SelectMany(c => c.ReferencedColumns()).Where(c => !produced.Contains(c.Id)).DistinctBy(c => c.Id).ToList();
        var nullable = new HashSet<int>();
        var origins = new List<(int Rti, int AttNum)>();
        foreach (var c in outerColumns)
        {
            var origin = outer.Scope.Origin(c) is { } o && outer.Scope.RangeTable[o.Rti - 1].Int32("rtekind") == RteKind.Relation ? o
                : outer.Scope.SubqueryOrigin(c) is { } d && IsRepeatableSubquery(outer.Scope.RangeTable[d.Rti - 1]) ? d
                : ((int, int)?)null;
            if (origin is not { } found)
            {
                reason = $"reads {c.Name}, which is neither a table column of the enclosing query nor an output of a plain SELECT-FROM-WHERE subquery in its FROM (one without aggregates, DISTINCT, ORDER BY or LIMIT, whose rows a second evaluation reproduces)";
                return null;
            }
            origins.Add(found);
            if (EqualityFor(c.Type) is null)
            {
                reason = $"reads {c.Name} of type {TypeLabel(c.Type.Oid)}";
                return null;
            }
            if (!conjuncts.Any(x => NullWhenNull(x, c.Id)))
            {
                // A NULL in this column need not empty the subquery (s.k = t.k OR s.k2 = t.k2): the
                // domain keeps its NULL and the join back matches NULL to NULL (NullSafeCorrelations).
                if (NullSafeSentinel(EqualityFor(c.Type)!.Value.ComparedAs) is null)
                {
                    reason = $"may read a NULL {c.Name} of type {TypeLabel(c.Type.Oid)} without every correlation conjunct being NULL";
                    return null;
                }
                nullable.Add(c.Id);
            }
        }
        if (origins.Count == 0)
        {
            reason = "reads no column of the enclosing query in its WHERE";
            return null;
        }

        // One DISTINCT per table; columns of several tables take the cross product of their domains.
        var domainKeys = new NamedExpr[outerColumns.Count];
        LogicalPlan? domain = null;
        foreach (var table in Enumerable.Range(0, outerColumns.Count).GroupBy(i => origins[i].Rti))
        {
            var rte = outer.Scope.RangeTable[table.Key - 1];
            LogicalPlan source;
            List<LogicalColumn> sourceColumns;
            if (rte.Int32("rtekind") == RteKind.Relation)
            {
                // Only the rows the enclosing WHERE keeps (QueryBinder.OuterRowDomain).
                (source, sourceColumns) = OuterRowsOf(outer, table.Key, [.. table.Select(i => origins[i].AttNum)]);
            }
            else
            {
                // A subquery in FROM: evaluated a second time (it is deterministic: see IsRepeatableSubquery).
                var bound = BindQuery(rte.Field("subquery"));
                source = bound.Root;
                sourceColumns = [.. table.Select(i => bound.ResultColumns[origins[i].AttNum - 1])];
            }
            var keys = sourceColumns.Select(s => new NamedExpr(_ids.New(s.Name, s.Type), new LogicalColumnRef(s))).ToList();
            foreach (var (i, k) in table.Zip(keys)) domainKeys[i] = k;
            LogicalPlan distinct = new LogicalAggregate(source, keys, []);
            domain = domain is null ? distinct : new LogicalJoin(domain, distinct, LogicalJoinType.Inner, null);
        }
        var toDomain = outerColumns.Select((c, i) => (c.Id, Key: domainKeys[i].Column)).ToDictionary(p => p.Id, p => p.Key);
        var filter = where.Select(x => x.RenameColumns(toDomain)).ToList();
        var joined = new LogicalFilter(new LogicalJoin(domain!, plan, LogicalJoinType.Inner, null) { Domain = true }, PredicateSimplification.Conjunction(filter));
        var correlations = outerColumns.SelectMany((c, i) =>
        {
            var (eq, comparedAs) = EqualityFor(c.Type)!.Value;
            BoundExpr d = new LogicalColumnRef(domainKeys[i].Column), o = new LogicalColumnRef(c);
            if (comparedAs != c.Type) (d, o) = (new BoundRelabel(d, comparedAs), new BoundRelabel(o, comparedAs));
            if (nullable.Contains(c.Id)) return NullSafeCorrelations(eq.Oid, eq.Name, d, o, innerFirst: true);
            var call = new BoundFuncCall(eq.Oid, eq.Name, [d, o], PgType.Bool);
            return [new Correlation(call, d, o, InnerFirst: true)];
        }).ToList();
        return (joined, correlations);
    }

    /// <summary>
    /// inner IS NOT DISTINCT FROM outer (by the equality function <paramref name="funcOid"/>) as two
    /// strict equalities over values that are never NULL, so a join on them keeps hash keys:
    /// COALESCE(inner, s) = COALESCE(outer, s) AND (inner IS NULL) = (outer IS NULL), with s a constant
    /// of each side's type, equal across them (a non-NULL value equal to s differs from NULL in the
    /// second key). Both types need a constant (<see cref="NullSafeSentinel"/>).
    /// </summary>
    private static IEnumerable<Correlation> NullSafeCorrelations(uint funcOid, string name, BoundExpr inner, BoundExpr outer, bool innerFirst)
    {
        BoundExpr iv = new BoundCoalesce([inner, new BoundConst(NullSafeSentinel(inner.Type)!, inner.Type)], inner.Type);
        BoundExpr ov = new BoundCoalesce([outer, new BoundConst(NullSafeSentinel(outer.Type)!, outer.Type)], outer.Type);
        yield return new Correlation(new BoundFuncCall(funcOid, name, innerFirst ? [iv, ov] : [ov, iv], PgType.Bool), iv, ov, innerFirst);
        BoundExpr inull = new BoundNullTest(inner, IsNotNull: false), onull = new BoundNullTest(outer, IsNotNull: false);
        yield return new Correlation(new BoundFuncCall(60, "booleq", [inull, onull], PgType.Bool), inull, onull, InnerFirst: true);
    }

    /// <summary>A constant of a type EqualityFor compares as, for <see cref="NullSafeCorrelations"/>; null for types without one here.</summary>
    private static object? NullSafeSentinel(PgType type) => type.Oid switch
    {
        PgTypeOid.Int2 => (short)0,
        PgTypeOid.Int4 or PgTypeOid.Date => 0,
        PgTypeOid.Int8 or PgTypeOid.Timestamp or PgTypeOid.Timestamptz or PgTypeOid.Time => 0L,
        PgTypeOid.Bool => false,
        PgTypeOid.Float4 => 0f,
        PgTypeOid.Float8 => 0d,
        PgTypeOid.Text or PgTypeOid.Bpchar => "",
        _ => null,
    };

    /// <summary>
    /// A non-LATERAL subquery in FROM that a second evaluation gives the same rows: a plain
    /// SELECT-FROM-WHERE (no aggregates, whose float sums or string_agg depend on the input order, no
    /// DISTINCT, ORDER BY, LIMIT or set operation) that reads no enclosing query. The functions the
    /// worker runs are immutable or stable within the statement, so its rows are the same.
    /// </summary>
    private static bool IsRepeatableSubquery(Json.QueryTreeNode rte) =>
        rte.Int32("rtekind") == RteKind.Subquery && rte.Optional("lateral")?.Bool() != true && IsPulledUp(rte.Field("subquery"))
        && !ReadsOuter(rte.Field("subquery").Element, 0) && !HasProperty(rte.Field("subquery").Element, "ctename");

    /// <summary>Whether a JSON fragment holds an object with property <paramref name="name"/> (a CTE reference for "ctename": bound again, its WITH level would be looked up from the wrong query).</summary>
    private static bool HasProperty(QueryJsonValue e, string name) => e.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Object => e.EnumerateObject().Any(p => p.NameEquals(name) || HasProperty(p.Value, name)),
        System.Text.Json.JsonValueKind.Array => e.EnumerateArray().Any(x => HasProperty(x, name)),
        _ => false,
    };

    /// <summary>The hashable equality the join back uses for a type, and the type it compares as (varchar as text).</summary>
    private static ((uint Oid, string Name) Eq, PgType ComparedAs)? EqualityFor(PgType type) => type.Oid switch
    {
        PgTypeOid.Int2 => ((63, "int2eq"), type),
        PgTypeOid.Int4 => ((65, "int4eq"), type),
        PgTypeOid.Int8 => ((467, "int8eq"), type),
        PgTypeOid.Bool => ((60, "booleq"), type),
        PgTypeOid.Float4 => ((287, "float4eq"), type),
        PgTypeOid.Float8 => ((293, "float8eq"), type),
        PgTypeOid.Numeric => ((1718, "numeric_eq"), type),
        PgTypeOid.Date => ((1086, "date_eq"), type),
        PgTypeOid.Timestamp => ((2052, "timestamp_eq"), type),
        PgTypeOid.Timestamptz => ((1152, "timestamptz_eq"), type),
        PgTypeOid.Time => ((1145, "time_eq"), type),
        PgTypeOid.Text => ((67, "texteq"), type),
        PgTypeOid.Varchar => ((67, "texteq"), PgType.Text),
        PgTypeOid.Bpchar => ((1048, "bpchareq"), type),
        _ => null,
    };

    /// <summary>Whether <paramref name="e"/> is NULL whenever column <paramref name="columnId"/> is: the column under strict operators only.</summary>
    private bool NullWhenNull(BoundExpr e, int columnId) => e switch
    {
        LogicalColumnRef r => r.Column.Id == columnId,
        BoundRelabel r => NullWhenNull(r.Arg, columnId),
        BoundFuncCall f when Physical.PhysicalPlanner.IsStrictComparison(f) || IsStrictOperator(f.FuncOid) => f.Args.Any(a => NullWhenNull(a, columnId)),
        // A one-argument call: a cast (float8(numeric) in `b.c2 = a.c2` over float4 and numeric,
        // seed 518 case 1772) or another function of one value; every function pg_fusion runs is
        // strict (FunctionRegistry), so it is NULL for a NULL argument.
        BoundFuncCall { Args: [var arg] } => NullWhenNull(arg, columnId),
        _ => false,
    };

    /// <summary>Comparison and arithmetic operators: strict for every built-in type.</summary>
    private bool IsStrictOperator(uint funcOid) =>
        _envelope.Catalog.OperatorOfFunction(funcOid) is { Name: "=" or "<>" or "<" or "<=" or ">" or ">=" or "+" or "-" or "*" or "/" or "%" };
}
