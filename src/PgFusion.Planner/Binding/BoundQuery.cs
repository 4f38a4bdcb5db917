using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Binding;

/// <summary>The bound logical plan of a SELECT; its root's output is the result columns in order.</summary>
public sealed record BoundQuery(LogicalPlan Root, IReadOnlyList<LogicalColumn> ResultColumns)
{
    /// <summary>
    /// Result columns whose expression reads no column (a constant, or functions of constants), by
    /// column id. When PostgreSQL pulls this query up into its parent, these expressions replace
    /// the parent's references and are folded there (see <see cref="PulledUpConstants"/>).
    /// </summary>
    public IReadOnlyDictionary<int, BoundExpr> ConstantOutputs { get; init; } = new Dictionary<int, BoundExpr>();

    /// <summary>
    /// Output columns of sub-queries (and inlined CTEs) PostgreSQL pulls up (prepjointree.c
    /// pull_up_simple_subquery) that are constant expressions, by column id: PostgreSQL substitutes
    /// them into the referencing expressions before eval_const_expressions, so
    /// <c>WITH c AS (SELECT 32767::int2 AS x FROM t) SELECT x + x FROM c</c> overflows while planning.
    /// Only on the root query.
    /// </summary>
    public IReadOnlyDictionary<int, BoundExpr> PulledUpConstants { get; init; } = new Dictionary<int, BoundExpr>();

    /// <summary>
    /// This query's select-list expressions by the column id of their projection (and of the
    /// result column when a final projection renames them).
    /// </summary>
    public IReadOnlyDictionary<int, BoundExpr> Outputs { get; init; } = new Dictionary<int, BoundExpr>();

    /// <summary>
    /// Every output of the sub-queries (and inlined CTEs) PostgreSQL pulls up, constant or not, by
    /// column id (<see cref="Outputs"/>). PostgreSQL substitutes them into the parent's references
    /// (pullup_replace_vars) and folds them only there, so an output is folded only where the
    /// parent's eval_const_expressions walk reaches a reference to it (not after a constant-false
    /// AND conjunct, not in a CASE arm that folds away). Only on the root query.
    /// </summary>
    public IReadOnlyDictionary<int, BoundExpr> PulledUpOutputs { get; init; } = new Dictionary<int, BoundExpr>();

    /// <summary>
    /// Every output of the sub-queries PostgreSQL pulls up into PlaceHolderVars (a parent with
    /// grouping sets, the nullable side of an outer join), by column id. eval_const_expressions folds
    /// a PlaceHolderVar's contents where it meets one, so these too are folded only where the walk
    /// reaches a reference (seed 337 case 3062: not after a constant-false AND conjunct under ROLLUP),
    /// but the reference never becomes a constant. Only on the root query.
    /// </summary>
    public IReadOnlyDictionary<int, BoundExpr> PlaceHolderOutputs { get; init; } = new Dictionary<int, BoundExpr>();

    /// <summary>
    /// Conditions PostgreSQL's planner folds but no row ever meets: the WHERE of an unread one-row
    /// aggregate sub-query (QueryBinder.UnreadAggregate). Their constant parts are evaluated after
    /// the query's own, so an error they raise (('-Infinity'::float8)::int8) is raised by planning,
    /// as PostgreSQL's subquery_planner raises it; the values are dropped.
    /// </summary>
    public IReadOnlyList<BoundExpr> PlanTimeOnly { get; init; } = [];
}
