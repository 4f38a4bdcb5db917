namespace PgFusion.Planner;

/// <summary>The planner's entry point: the Query JSON the C hook sends -> a physical plan, or Unsupported.</summary>
public static class QueryPlanner
{
    /// <summary>
    /// Plans one query. Malformed JSON raises a QueryJsonException naming the JSON path; a valid
    /// query the planner cannot handle returns <see cref="PlanResult.Unsupported"/>.
    /// </summary>
    public static PlanResult Plan(ReadOnlySpan<byte> queryJson)
    {
        _ = queryJson;
        return PlanResult.Unsupported("planner not built yet (walking skeleton in progress)");
    }
}
