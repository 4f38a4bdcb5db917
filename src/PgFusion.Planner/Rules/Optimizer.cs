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
        new SubqueryDecorrelation(),
        new EmptyMarkJoin(),
        new ConstantFolding(),
        new PredicateSimplification(),
        new OuterJoinSimplification(),
        new PredicatePushdown(),
        new ProjectionPruning(),
        new LimitSortToTopN(),
        new LimitPushdown(),
    ];

    /// <summary>
    /// The passes for one query: the default ones plus join ordering, which estimates from the
    /// query's catalog. <paramref name="isStrictFunction"/> (by pg_proc OID) lets outer-join
    /// simplification see NULL-rejecting functions beyond the equality operators it knows.
    /// <paramref name="hashMemKb"/>: the session's work_mem × hash_mem_multiplier (<see cref="Json.QueryEnvelope.HashMemKb"/>).
    /// </summary>
    public static IReadOnlyList<IRewriteRule> RulesFor(Json.QueryCatalog catalog, Func<uint, bool>? isStrictFunction = null, JoinOrder.JoinOrderOptions? joinOrder = null, double? hashMemKb = null)
    {
        Func<Binding.BoundExpr, bool> cannotRaise = e => PredicatePushdown.CannotRaise(e, oid => IsComparison(catalog, oid));
        return
        [
            new SubqueryDecorrelation(),
            new EmptyMarkJoin(),
            new ConstantFolding(),
            new PredicateSimplification(),
            new OuterJoinSimplification(oid => isStrictFunction?.Invoke(oid) == true || IsComparison(catalog, oid), cannotRaise),
            new PulledUpOutputLift(cannotRaise, oid => isStrictFunction?.Invoke(oid) == true || IsComparison(catalog, oid)),
            new EquivalenceConstants(catalog),
            new PredicatePushdown(cannotRaise, new QualOrdering(catalog), hashMemKb),
            new OrRestriction(),
            new JoinReorder(catalog, joinOrder),
            new FunctionalDependencyGrouping(),
            new ProjectionPruning(),
            new LimitSortToTopN(),
            new LimitPushdown(cannotRaise),
            new QualOrdering(catalog),
            new OneTimeFilter(),
            new SharedSubplan(catalog),
        ];
    }

    /// <summary>The function of a comparison operator (equal, not equal, less, greater, or-equal forms): PostgreSQL's comparison functions are strict.</summary>
    private static bool IsComparison(Json.QueryCatalog catalog, uint funcOid) =>
        catalog.OperatorOfFunction(funcOid) is { Name: "=" or "<>" or "<" or "<=" or ">" or ">=" };

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

    /// <summary>
    /// The passes that run on the bound plan (<see cref="IRewriteRule.RunsOnBoundPlan"/>, sub-query
    /// decorrelation), over the materialized WITH queries the plan reads and the plan, before the
    /// planner evaluates constants; then checks that no sub-query is left to unnest (Unsupported
    /// when the rule was turned off). <see cref="Optimize"/> runs the others.
    /// </summary>
    public LogicalPlan RunOnBoundPlan(LogicalPlan plan, Action<string, LogicalPlan>? afterRule = null)
    {
        foreach (var definition in CteDefinition.Reachable(plan)) definition.Plan = Run(definition.Plan, null, onBoundPlan: true);
        plan = Run(plan, afterRule, onBoundPlan: true);
        foreach (var definition in CteDefinition.Reachable(plan)) SubqueryDecorrelation.RejectRemaining(definition.Plan);
        SubqueryDecorrelation.RejectRemaining(plan);
        return plan;
    }

    /// <summary>
    /// Optimizes the materialized WITH queries the plan reads (each once, those they read first),
    /// then the plan; <paramref name="afterRule"/> sees the plan's passes. The passes that run on
    /// the bound plan ran before (<see cref="RunOnBoundPlan"/>).
    /// </summary>
    public LogicalPlan Optimize(LogicalPlan plan, Action<string, LogicalPlan>? afterRule = null)
    {
        foreach (var definition in CteDefinition.Reachable(plan)) definition.Plan = Run(definition.Plan, null, onBoundPlan: false);
        return Run(plan, afterRule, onBoundPlan: false);
    }

    private LogicalPlan Run(LogicalPlan plan, Action<string, LogicalPlan>? afterRule, bool onBoundPlan)
    {
        foreach (var rule in _rules)
        {
            if (rule.RunsOnBoundPlan != onBoundPlan || _disabled.Contains(rule.Name)) continue;
            plan = rule.Apply(plan);
            afterRule?.Invoke(rule.Name, plan);
        }
        return plan;
    }
}
