using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;

namespace PgFusion.Planner.Binding;

// PostgreSQL computes a window function's arguments in its WindowAgg node, not below it: the
// planner's window input (make_window_input_target) holds only the columns and the PARTITION BY /
// ORDER BY expressions, which the Sort below the WindowAgg receives. The Sort reads all its input
// before the WindowAgg sees a row, so every error of the WHERE (or of anything else below) comes
// before any argument's (seed 518 case 4779: `min(a.c3 * a.c3) OVER (PARTITION BY a.id ...)` with
// `WHERE a.id / a.c3 > -1` raises the division by zero of the second row, not the int2 overflow of
// the first row's argument). pg_fusion computes an argument that can raise in a projection right
// below its window, above the clause's sort, so the sort's input is read first as in PostgreSQL;
// an argument that cannot raise stays in the projection below every sort, with the keys.
//
// A clause without PARTITION BY and ORDER BY has no sort: the WindowAgg reads its input a row at a
// time and evaluates a row's arguments when it takes the row into a frame, before it reads the next
// (eval_windowaggregates tests each row against the frame as it reads it, even when the frame is the
// whole partition), as the projection computes them on the streamed rows.
public sealed partial class QueryBinder
{
    /// <summary>Whether a window function's argument (as the window reads it) never raises.</summary>
    private bool WindowArgumentCannotRaise(BoundExpr arg) => PredicatePushdown.CannotRaise(WithoutConstantParts(arg), IsComparisonFunction);

    /// <summary><paramref name="plan"/>'s columns passed through (same ids), with <paramref name="args"/> computed over them.</summary>
    private static LogicalProject WithWindowArguments(LogicalPlan plan, IReadOnlyList<NamedExpr> args) =>
        new(plan, [.. plan.Output.Select(c => new NamedExpr(c, new LogicalColumnRef(c))), .. args]);
}
