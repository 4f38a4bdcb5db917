using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner;

/// <summary>
/// A LIKE / ILIKE whose constant pattern ends with an unpaired escape character (<c>'%\'</c>, or
/// <c>'a#' ESCAPE '#'</c> once like_escape rewrote it) raises 22025 "LIKE pattern must not end with
/// escape character" when matched against a non-empty value. PostgreSQL's planner already matches it:
/// patternsel estimates the selectivity by running the operator over the column's most common values
/// and histogram (mcv_selectivity, histogram_selectivity), so with statistics the query fails while
/// being planned, even when no row ever reaches the LIKE (seed 523 case 412: <c>c6 &lt;&gt; c6 AND
/// c1 LIKE '%\' ESCAPE '\'</c> after ANALYZE). Whether it does depends on the statistics, so such a
/// query is left to PostgreSQL, which raises exactly when it would.
/// </summary>
internal static class PlanTimeLikeCheck
{
    private static readonly HashSet<string> LikeFunctions =
    [
        "textlike", "textnlike", "bpcharlike", "bpcharnlike", "namelike", "namenlike",
        "texticlike", "texticnlike", "bpchariclike", "bpcharicnlike", "nameiclike", "nameicnlike",
    ];

    public static void Check(LogicalPlan plan)
    {
        foreach (var e in plan.Expressions) CheckCondition(e);
        foreach (var child in plan.Children) Check(child);
    }

    /// <summary>
    /// One expression, also one PostgreSQL plans but pg_fusion never runs (<see cref="Binding.BoundQuery.PlanTimeOnly"/>:
    /// the WHERE of a sub-query in FROM that aggregates and whose outputs are unread, a one-row Result
    /// once planned, whose scan's quals are still estimated; seed 798 case 2908).
    /// </summary>
    public static void CheckCondition(BoundExpr e)
    {
        if (e.AnyNode(IsMalformedLike))
            throw new UnsupportedConstructException("a LIKE pattern that ends with its escape character (PostgreSQL's planner raises 22025 for it when the column has statistics)");
    }

    private static bool IsMalformedLike(BoundExpr e) =>
        e is BoundFuncCall { Args: [_, var patternArg] } f && LikeFunctions.Contains(f.Name) && patternArg switch
        {
            BoundConst { Value: string pattern } => EndsWithEscape(pattern),
            // LIKE ... ESCAPE e before constants are evaluated: like_escape(pattern, e) itself raises 22025
            // when the pattern ends with an unpaired e. Which plan-time error PostgreSQL raises first, this one
            // or another constant's, depends on the order its planner folds them in (seed 640 case 1176: its
            // `-3::int2 % 0::int8` in the outer WHERE came before the IN sub-query's `'w1' LIKE '%\' ESCAPE '\'`),
            // so such a query goes to PostgreSQL before pg_fusion evaluates any constant.
            BoundFuncCall { Name: "like_escape", Args: [BoundConst { Value: string pattern }, BoundConst { Value: string escape }] } => EscapeEndsUnpaired(pattern, escape),
            _ => false,
        };

    /// <summary>Whether like_escape(pattern, escape) raises: the pattern's last escape character escapes nothing (an empty escape disables escaping).</summary>
    private static bool EscapeEndsUnpaired(string pattern, string escape)
    {
        if (escape.Length == 0) return false;
        if (escape.EnumerateRunes().Count() > 1) return true; // "invalid escape string" (22025) as well
        bool after = false;
        foreach (var rune in pattern.EnumerateRunes())
        {
            if (after) after = false;
            else if (rune.ToString() == escape) after = true;
        }
        return after;
    }

    /// <summary>An odd run of backslashes at the end: the last one escapes nothing (like_escape already turned any other escape character into a backslash).</summary>
    private static bool EndsWithEscape(string pattern)
    {
        int run = 0;
        for (int i = pattern.Length - 1; i >= 0 && pattern[i] == '\\'; i--) run++;
        return run % 2 == 1;
    }
}
