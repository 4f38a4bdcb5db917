namespace PgFusion.Planner.Tests;

/// <summary>The text a golden file holds for a plan result: EXPLAIN and result columns, or the Unsupported reason.</summary>
public static class PlanText
{
    public static string Of(PlanResult result) => result.IsSupported
        ? result.Plan!.Explain + "Result: " + string.Join(", ", result.Plan.ResultColumns.Select(c => $"{c.Name} {c.Type}")) + "\n"
        : "Unsupported: " + result.UnsupportedReason + "\n";
}
