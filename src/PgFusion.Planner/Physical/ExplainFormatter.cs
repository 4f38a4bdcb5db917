using System.Globalization;
using System.Text;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Physical;

/// <summary>The physical plan as an indented tree in the shape of PostgreSQL's EXPLAIN, with estimated rows.</summary>
public static class ExplainFormatter
{
    public static string Format(PhysicalPlan plan, QueryCatalog catalog)
    {
        var sb = new StringBuilder();
        var f = new ExpressionFormatter(catalog);
        Append(plan, f, 0, isChild: false, sb);
        foreach (var cte in PhysicalCte.Reachable(plan))
        {
            sb.Append("CTE ").Append(cte.Name).Append(" #").Append(cte.Id.ToString(CultureInfo.InvariantCulture)).Append(" (computed once)\n");
            Append(cte.Plan, f, 2, isChild: true, sb);
        }
        return sb.ToString();
    }

    private static void Append(PhysicalPlan plan, ExpressionFormatter f, int column, bool isChild, StringBuilder sb)
    {
        string rows = Math.Round(plan.EstimatedRows).ToString("0", CultureInfo.InvariantCulture);
        sb.Append(' ', column).Append(isChild ? "->  " : "").Append(Header(plan)).Append("  (rows=").Append(rows).Append(")\n");
        int detail = column + (isChild ? 6 : 2);
        foreach (var line in Details(plan, f))
            sb.Append(' ', detail).Append(line).Append('\n');
        foreach (var child in plan.Children)
            Append(child, f, detail, isChild: true, sb);
    }

    private static string Header(PhysicalPlan plan) => plan switch
    {
        PhysicalScan s => $"Seq Scan on {s.Relation.Name}",
        PhysicalFilter => "Filter",
        PhysicalCteScan c => $"CTE Scan on {c.Cte.Name} #{c.Cte.Id.ToString(CultureInfo.InvariantCulture)}",
        PhysicalProject => "Project",
        PhysicalHashAggregate a => a.GroupKeys.Count == 0 ? "Aggregate" : "HashAggregate",
        PhysicalSort { Limit: { } l } s => $"Top-N Sort (keep {l.ToString(CultureInfo.InvariantCulture)}{(s.WithTies ? " with ties" : "")})",
        PhysicalSort => "Sort",
        PhysicalLimit => "Limit",
        PhysicalOneRow => "Result (one row)",
        PhysicalPartitionLimit => "Partition Limit",
        PhysicalWindow => "WindowAgg",
        PhysicalHashSetOp s => $"HashSetOp {s.Kind}{(s.All ? " All" : "")}",
        PhysicalHashJoin j => $"Hash {JoinLabel(j.Kind)} Join",
        PhysicalIndexProbeJoin p => $"Index Probe {JoinLabel(p.Join.Kind)} Join using {p.Index.Name}",
        _ => plan.GetType().Name.Replace("Physical", "", StringComparison.Ordinal),
    };

    private static string JoinLabel(HashJoinKind kind) => kind switch
    {
        HashJoinKind.Inner => "Inner",
        HashJoinKind.ProbeOuter => "Probe-Outer",
        HashJoinKind.BuildOuter => "Build-Outer",
        HashJoinKind.Full => "Full",
        HashJoinKind.Semi => "Semi",
        HashJoinKind.Anti => "Anti",
        HashJoinKind.BuildSemi => "Build-Semi",
        HashJoinKind.BuildAnti => "Build-Anti",
        _ => "Null-Aware Anti",
    };

    private static IEnumerable<string> Details(PhysicalPlan plan, ExpressionFormatter f)
    {
        switch (plan)
        {
            case PhysicalScan s:
                yield return "Columns: " + (s.AttNums.Count == 0 ? "(none)" : string.Join(", ", s.Output.Select(c => c.Name)));
                break;
            case PhysicalFilter fl:
                yield return (fl.OneTime ? "One-Time Filter: " : "Filter: ") + f.Format(fl.Predicate);
                break;
            case PhysicalProject p:
                yield return "Output: " + string.Join(", ", p.Exprs.Select(f.Format));
                break;
            case PhysicalHashAggregate a:
                if (a.GroupKeys.Count > 0) yield return "Group Key: " + string.Join(", ", a.GroupKeys.Select(f.Format));
                if (a.Aggregates.Count > 0) yield return "Aggregates: " + string.Join(", ", a.Aggregates.Select(f.Format));
                break;
            case PhysicalSort s:
                yield return "Sort Key: " + string.Join(", ", s.Keys.Select(k => f.Format(k.Expr) + (k.Descending ? " DESC" : "") + (k.NullsFirst != k.Descending ? (k.NullsFirst ? " NULLS FIRST" : " NULLS LAST") : "")));
                break;
            case PhysicalHashJoin j:
                if (j.ProbeKeys.Count > 0)
                    yield return "Hash Cond: " + string.Join(" AND ", j.ProbeKeys.Select((k, i) => $"{f.Format(k)} = {f.Format(j.BuildKeys[i])}"));
                if (j.Residual is not null) yield return "Join Filter: " + f.Format(j.Residual);
                yield return $"Build: {(j.BuildIsLeft ? "left" : "right")} input (second child)";
                break;
            case PhysicalIndexProbeJoin p:
                yield return "Hash Cond: " + string.Join(" AND ", p.Join.ProbeKeys.Select((k, i) => $"{f.Format(k)} = {f.Format(p.Join.BuildKeys[i])}"));
                if (p.Join.Residual is not null) yield return "Join Filter: " + f.Format(p.Join.Residual);
                yield return $"Index Probe: {p.InnerScan.Relation.Name} by {f.Format(p.Join.ProbeKeys[p.KeyIndex])} (rows per key {p.RowsPerKey:0.#}, correlation {p.IndexCorrelation:0.##})";
                if (p.FirstMatch is { } firstMatch) yield return $"First Match: {firstMatch.Count} pushed condition{(firstMatch.Count == 1 ? "" : "s")}";
                if (p.IndexOnly) yield return $"Index Only: {p.AllVisibleFraction.ToString("0.##", CultureInfo.InvariantCulture)} of the heap all-visible";
                if (p.ProbeFilter is { } probeFilter) yield return $"Probe Filter: {probeFilter.Count} pushed condition{(probeFilter.Count == 1 ? "" : "s")}";
                break;
            case PhysicalPartitionLimit pl:
                yield return $"Partition Key: {string.Join(", ", pl.KeyIndexes.Select(i => pl.Input.Output[i].Name))}  Offset: {pl.Offset.ToString(CultureInfo.InvariantCulture)}  Count: {(pl.Count is { } pc ? pc.ToString(CultureInfo.InvariantCulture) : "ALL")}";
                break;
            case PhysicalWindow w:
                if (w.PartitionKeys.Count > 0) yield return "Partition By: " + string.Join(", ", w.PartitionKeys.Select(i => w.Input.Output[i].Name));
                if (w.OrderKeys.Count > 0) yield return "Order By: " + string.Join(", ", w.OrderKeys.Select(i => w.Input.Output[i].Name));
                yield return "Frame: " + w.Frame;
                yield return "Functions: " + string.Join(", ", w.Functions.Select(fn => $"{fn.Name}({string.Join(", ", fn.Args.Select(i => w.Input.Output[i].Name))})"));
                break;
            case PhysicalLimit l:
                yield return $"Offset: {l.Offset.ToString(CultureInfo.InvariantCulture)}  Count: {(l.Count is { } c ? c.ToString(CultureInfo.InvariantCulture) : "ALL")}";
                break;
        }
    }
}
