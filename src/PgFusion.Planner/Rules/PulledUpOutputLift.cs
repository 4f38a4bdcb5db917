using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Computes the outputs of a pulled-up sub-query that can raise above the joins it is part of.
/// PostgreSQL substitutes a pulled-up sub-query's select list into its parent (pull_up_simple_subquery),
/// so an output such as <c>100 / v</c> is computed in the join's target list, for the joined rows only,
/// not for every row of the sub-query's relation; a qual that reads it still goes down to the scan.
/// Here the sub-query's select list is a projection below the join: an output that raises would raise on
/// rows no other relation matches (fuzz13: <c>co JOIN (SELECT k, 100 / v AS q FROM ci) s ON s.k = co.k</c>
/// raised 22012 where PostgreSQL returns the matched rows). Such an output moves into a projection over
/// the join, which passes the columns it reads up instead; repeated at every join above, it ends under the
/// parent's select list or filter, into which <see cref="PredicatePushdown"/> substitutes it (a filter
/// conjunct that reads it then goes back down to the scan, as PostgreSQL's does).
/// On the nullable side of an outer join (either side of a FULL join, seed 794 case 2890) an output moves only when it is strict throughout (strict functions
/// over columns and constants): anything else PostgreSQL wraps in a PlaceHolderVar, computed below the join
/// (pullup_replace_vars_callback), and a strict one gives NULL for a NULL-extended row in both places.
/// Outputs the join condition or the other input reads (a LATERAL reference) stay below, as do ones that
/// cannot raise (nothing to observe) and PlaceHolderVars.
/// </summary>
/// <param name="cannotRaise">Whether an expression can never raise (<see cref="PredicatePushdown.CannotRaise"/>).</param>
/// <param name="isStrictFunction">Whether a function (by pg_proc OID) is strict; without it nothing moves off a nullable side.</param>
public sealed class PulledUpOutputLift(Func<BoundExpr, bool> cannotRaise, Func<uint, bool>? isStrictFunction = null) : IRewriteRule
{
    public string Name => "pulled_up_output_lift";

    public LogicalPlan Apply(LogicalPlan plan)
    {
        plan = plan.MapChildren(Apply);
        if (plan is LogicalAggregate aggregate) return IntoAggregate(aggregate);
        if (plan is not LogicalJoin join) return plan;
        var output = join.Output;
        var lifted = new List<NamedExpr>();
        var (left, fromLeft) = Lift(join, join.Left, join.Right, nullable: join.Kind is LogicalJoinType.Right or LogicalJoinType.Full);
        if (fromLeft.Count > 0) (join, lifted) = (join with { Left = left }, fromLeft);
        if (!join.Kind.OutputsLeftOnly())
        {
            var (right, fromRight) = Lift(join, join.Right, join.Left, nullable: join.Kind is LogicalJoinType.Left or LogicalJoinType.Full);
            if (fromRight.Count > 0) (join, lifted) = (join with { Right = right }, [.. lifted, .. fromRight]);
        }
        return lifted.Count == 0 ? plan : Above(join, output, lifted);
    }

    /// <summary>The input with its liftable outputs replaced by the columns they read, and those outputs.</summary>
    private (LogicalPlan Input, List<NamedExpr> Lifted) Lift(LogicalJoin join, LogicalPlan input, LogicalPlan other, bool nullable)
    {
        if (nullable && isStrictFunction is null) return (input, []);
        if (input is not LogicalProject { PulledUpSelectList: true, KeepAll: false, PlannedSubquery: false } project) return (input, []);
        var candidates = project.Exprs.Where(e => CanRaise(e) && (!nullable || StrictThroughout(e.Expr))).ToList();
        if (candidates.Count == 0) return (input, []);
        // Only then the columns the join condition and the other input (a LATERAL reference) read: a walk of that subtree.
        var readHere = join.Condition is null ? [] : ColumnIds.ReferencedBy(join.Condition);
        foreach (var node in other.Nodes())
            foreach (var e in node.Expressions)
                foreach (var c in e.ReferencedColumns()) readHere.Add(c.Id);
        var lifted = candidates.Where(e => !readHere.Contains(e.Column.Id)).ToList();
        return lifted.Count == 0 ? (input, []) : (Without(project, lifted), lifted);
    }

    /// <summary>An output computed in the sub-query's select list that reads a column and can raise: one to lift.</summary>
    private bool CanRaise(NamedExpr e) =>
        e.Expr is not LogicalColumnRef and not BoundRelabel { Placeholder: true } && e.Expr.ReferencedColumns().Any() && !cannotRaise(e.Expr);

    /// <summary>
    /// The projection without the <paramref name="lifted"/> outputs, passing up the columns they read
    /// instead; its input itself when what is left only passes columns through.
    /// </summary>
    private static LogicalPlan Without(LogicalProject project, List<NamedExpr> lifted)
    {
        var kept = project.Exprs.Where(e => !lifted.Contains(e)).ToList();
        foreach (var c in lifted.SelectMany(e => e.Expr.ReferencedColumns()).DistinctBy(c => c.Id))
            if (!kept.Any(e => e.Column.Id == c.Id)) kept.Add(new NamedExpr(c, new LogicalColumnRef(c)));
        return kept.All(e => e.Expr is LogicalColumnRef r && r.Column.Id == e.Column.Id) ? project.Input : project with { Exprs = kept };
    }

    /// <summary>
    /// The same for an aggregate right over the sub-query: PostgreSQL computes the group keys, arguments
    /// and FILTERs from the substituted select list, per input row: a FILTER first and the arguments only
    /// for the rows it keeps, a COALESCE or CASE in a key lazily. An output that can raise moves into the
    /// aggregate's expressions (seed 792 case 3350: <c>GROUP BY COALESCE(x2, x1)</c> with <c>x1 = -3 - c1</c>
    /// raised 22003 where PostgreSQL never computes x1 for a non-null x2).
    /// </summary>
    private LogicalPlan IntoAggregate(LogicalAggregate aggregate)
    {
        if (aggregate.Input is not LogicalProject { PulledUpSelectList: true, KeepAll: false, PlannedSubquery: false } project) return aggregate;
        // Outputs computed for every input row anyway stay below: a whole group key, a whole argument of
        // an aggregate without FILTER (the plan is the same, and so is the error), an aggregate's ORDER BY.
        var everyRow = new HashSet<int>();
        foreach (var k in aggregate.GroupKeys)
            if (k.Expr is LogicalColumnRef r) everyRow.Add(r.Column.Id);
        foreach (var a in aggregate.Aggregates)
        {
            if (a.Aggregate.Filter is null)
                foreach (var arg in a.Aggregate.Args)
                    if (arg is LogicalColumnRef r) everyRow.Add(r.Column.Id);
            foreach (var o in a.Aggregate.OrderBy ?? [])
                foreach (var c in o.Expr.ReferencedColumns()) everyRow.Add(c.Id);
        }
        var lifted = project.Exprs.Where(e => CanRaise(e) && !everyRow.Contains(e.Column.Id)).ToList();
        if (lifted.Count == 0) return aggregate;
        var byId = lifted.ToDictionary(e => e.Column.Id, e => e.Expr);
        return (LogicalAggregate)aggregate.MapExpressions(e => e.ReplaceColumns(byId)) with { Input = Without(project, lifted) };
    }

    /// <summary>The join's former output, with the lifted outputs computed over its rows.</summary>
    private static LogicalProject Above(LogicalJoin join, IReadOnlyList<LogicalColumn> output, List<NamedExpr> lifted)
    {
        var byId = lifted.ToDictionary(e => e.Column.Id);
        return new LogicalProject(join, [.. output.Select(c => byId.TryGetValue(c.Id, out var e) ? e : new NamedExpr(c, new LogicalColumnRef(c)))])
        {
            PulledUpSelectList = true,
        };
    }

    /// <summary>Strict functions of columns and constants only (no CASE, COALESCE, AND/OR, NULL test): NULL when any column is.</summary>
    private bool StrictThroughout(BoundExpr e) => e switch
    {
        LogicalColumnRef or BoundConst => true,
        BoundRelabel { Placeholder: false } r => StrictThroughout(r.Arg),
        BoundFuncCall f => isStrictFunction!(f.FuncOid) && f.Args.All(StrictThroughout),
        _ => false,
    };
}
