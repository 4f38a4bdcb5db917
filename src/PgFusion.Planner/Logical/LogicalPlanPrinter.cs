using System.Text;
using PgFusion.Planner.Json;

namespace PgFusion.Planner.Logical;

/// <summary>A logical plan as an indented tree, for per-rule EXPLAIN and the rules' golden tests.</summary>
public static class LogicalPlanPrinter
{
    public static string Print(LogicalPlan plan, QueryCatalog catalog)
    {
        var sb = new StringBuilder();
        var f = new ExpressionFormatter(catalog);
        Print(plan, f, 0, sb);
        foreach (var definition in CteDefinition.Reachable(plan))
        {
            sb.Append($"CTE {definition.Name} #{definition.Id}\n");
            Print(definition.Plan, f, 1, sb);
        }
        return sb.ToString();
    }

    private static void Print(LogicalPlan plan, ExpressionFormatter f, int depth, StringBuilder sb)
    {
        sb.Append(' ', depth * 2);
        sb.Append(plan switch
        {
            LogicalScan s => $"Scan {s.Relation.Name} [{string.Join(", ", s.Columns.Select(c => $"{c.Column}=att{c.AttNum}"))}]",
            LogicalFilter fl => $"{(fl.OneTime ? "One-Time Filter" : "Filter")} {f.Format(fl.Predicate)}",
            LogicalProject p => $"Project [{string.Join(", ", p.Exprs.Select(e => $"{e.Column} := {f.Format(e.Expr)}"))}]",
            LogicalAggregate a => $"Aggregate keys [{string.Join(", ", a.GroupKeys.Select(k => $"{k.Column} := {f.Format(k.Expr)}"))}] aggs [{string.Join(", ", a.Aggregates.Select(x => $"{x.Column} := {f.Format(x.Aggregate)}"))}]",
            LogicalSort s => $"Sort{(s.Limit is { } l ? $" top {l}{(s.WithTies ? " with ties" : "")}" : "")} [{string.Join(", ", s.Keys.Select(k => $"{f.Format(k.Expr)}{(k.Descending ? " DESC" : "")}{(k.NullsFirst ? " NULLS FIRST" : " NULLS LAST")}"))}]",
            LogicalJoin j => $"Join {j.Kind}{(j.AntiReduced ? " (anti)" : "")}{(j.Condition is null ? "" : " on " + f.Format(j.Condition))}",
            LogicalApply a => $"Apply {a.Kind}{(a.Condition is null ? "" : " on " + f.Format(a.Condition))}",
            LogicalCteScan c => $"CteScan {c.Definition.Name} #{c.Definition.Id} [{string.Join(", ", c.Columns)}]",
            LogicalLimit l => $"Limit offset {l.Offset} count {(l.Count?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "ALL")}",
            LogicalOneRow => "OneRow",
            LogicalWindow w => $"Window [{string.Join(", ", w.PartitionKeys)}] order [{string.Join(", ", w.OrderKeys)}] {w.Frame} [{string.Join(", ", w.Functions.Select(fn => $"{fn.Function.Name}({string.Join(", ", fn.Function.Args.Select(f.Format))}) AS {fn.Column}"))}]",
            LogicalPartitionLimit pl => $"PartitionLimit [{string.Join(", ", pl.PartitionKeys)}] offset {pl.Offset} count {(pl.Count?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "ALL")}",
            _ => plan.GetType().Name,
        });
        sb.Append('\n');
        foreach (var c in plan.Children) Print(c, f, depth + 1, sb);
    }
}
