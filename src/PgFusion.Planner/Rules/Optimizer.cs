using PgFusion.Planner.Logical;

namespace PgFusion.Planner.Rules;

/// <summary>
/// Runs the rewrite rules in order (DuckDB's RunOptimizer): any rule can be disabled by name, and an
/// observer sees the plan after each pass (EXPLAIN per rule, and tests that re-verify the plan).
/// </summary>
public sealed class Optimizer
{
    /// <summary>The passes, in the order they run.</summary>
    public static IReadOnlyList<IRewriteRule> DefaultRules { get; } =
    [
        new ConstantFolding(),
        new PredicateSimplification(),
        new PredicatePushdown(),
        new ProjectionPruning(),
        new LimitSortToTopN(),
    ];

    /// <summary>The passes for one query: the default ones plus join ordering, which estimates from the query's catalog.</summary>
    public static IReadOnlyList<IRewriteRule> RulesFor(Json.QueryCatalog catalog) =>
    [
        new ConstantFolding(),
        new PredicateSimplification(),
        new PredicatePushdown(),
        new JoinReorder(catalog),
        new ProjectionPruning(),
        new LimitSortToTopN(),
        new QualOrdering(catalog),
        new OneTimeFilter(),
    ];

    private readonly IReadOnlyList<IRewriteRule> _rules;
    private readonly IReadOnlySet<string> _disabled;

    public Optimizer(IEnumerable<string>? disabledRules = null, IReadOnlyList<IRewriteRule>? rules = null)
    {
        _rules = rules ?? DefaultRules;
        _disabled = new HashSet<string>(disabledRules ?? [], StringComparer.OrdinalIgnoreCase);
        foreach (var name in _disabled)
            if (!_rules.Any(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)))
                throw new ArgumentException($"no rewrite rule named \"{name}\" (rules: {string.Join(", ", _rules.Select(r => r.Name))})", nameof(disabledRules));
    }

    public LogicalPlan Optimize(LogicalPlan plan, Action<string, LogicalPlan>? afterRule = null)
    {
        foreach (var rule in _rules)
        {
            if (_disabled.Contains(rule.Name)) continue;
            plan = rule.Apply(plan);
            afterRule?.Invoke(rule.Name, plan);
        }
        return plan;
    }
}
