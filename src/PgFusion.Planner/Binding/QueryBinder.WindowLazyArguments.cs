using PgFusion.Planner.Logical;
using PgFusion.Planner.Rules;

namespace PgFusion.Planner.Binding;

// PostgreSQL's WindowAgg evaluates a window function's arguments lazily, on the rows it reads
// (nodeWindowAgg.c): lead/lag's value only on the row at the offset (and the default only when that
// row is outside the partition), first/last/nth_value's value only on the frame's head, tail or
// n-th row, ntile's count once per partition, and an aggregate's arguments only on rows that enter
// some frame and, under FILTER, pass it (advance_windowaggregate tests the filter first). pg_fusion
// computes every argument in a projection below the window, for every row: an argument that can
// raise would raise where PostgreSQL never evaluates it (seed 20261129 case 41:
// `lead(c3 * c3) OVER (PARTITION BY id ...)` overflows int2 on a one-row partition whose lead
// PostgreSQL never reads). Such calls stay with PostgreSQL.
public sealed partial class QueryBinder
{
    /// <summary>
    /// Throws <see cref="UnsupportedConstructException"/> when an argument PostgreSQL evaluates
    /// lazily (see above) can raise. <paramref name="args"/> are the call's arguments as the window
    /// reads them (a grouped query's aggregates already replaced by its columns).
    /// </summary>
    private void RejectLazyArgumentsThatMayRaise(BoundWindowFunction function, IReadOnlyList<BoundExpr> args, WindowFrame frame)
    {
        bool cannotRaise(BoundExpr e) => PredicatePushdown.CannotRaise(WithoutConstantParts(e), IsComparisonFunction);
        IEnumerable<BoundExpr> lazy = function.Kind switch
        {
            // lag/lead(value, offset, default): the offset is read on every row.
            WindowFunctionKind.Lag or WindowFunctionKind.Lead => args.Where((_, i) => i != 1),
            WindowFunctionKind.NthValue => args.Take(1),
            WindowFunctionKind.FirstValue or WindowFunctionKind.LastValue or WindowFunctionKind.Ntile => args,
            WindowFunctionKind.Aggregate when function.Aggregate?.Filter != null || !ContainsCurrentRow(frame) => args,
            _ => [],
        };
        if (!lazy.All(cannotRaise))
            throw UnsupportedConstructException.NotYet($"window function {function.Name} over an argument that can raise (PostgreSQL evaluates it only on the rows it reads)");
    }

    /// <summary>Whether every row is in its own frame, so every row of a partition enters some frame.</summary>
    private static bool ContainsCurrentRow(WindowFrame frame) =>
        (frame.Start is WindowFrameBound.UnboundedPreceding or WindowFrameBound.OffsetPreceding or WindowFrameBound.CurrentRow
            || frame.Start == WindowFrameBound.OffsetFollowing && frame.StartOffset == 0)
        && (frame.End is WindowFrameBound.UnboundedFollowing or WindowFrameBound.OffsetFollowing or WindowFrameBound.CurrentRow
            || frame.End == WindowFrameBound.OffsetPreceding && frame.EndOffset == 0);
}
