using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Planner.JoinOrder;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Physical;
using PgFusion.Planner.Rules;

namespace PgFusion.Planner;

/// <summary>
/// The planner's entry point: Query JSON -> envelope (Json) -> bound logical plan (Binding) ->
/// rewrite rules (Rules) -> physical plan with estimates (Physical) -> EXPLAIN text.
/// </summary>
public static class QueryPlanner
{
    /// <summary>
    /// Plans one query. Malformed JSON raises a QueryJsonException naming the JSON path; a valid
    /// query the planner cannot handle returns <see cref="PlanResult.Unsupported"/>.
    /// </summary>
    public static PlanResult Plan(ReadOnlySpan<byte> queryJson) => Plan(queryJson, PlannerOptions.Default);

    public static PlanResult Plan(ReadOnlySpan<byte> queryJson, PlannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var envelope = QueryEnvelopeReader.Read(queryJson);
        return Plan(envelope, options);
    }

    public static PlanResult Plan(QueryEnvelope envelope, PlannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            var bound = QueryBinder.Bind(envelope);
            options.AfterRule?.Invoke("bind", bound.Root);
            var joinOrder = envelope.JoinPairBudget is { } budget ? new JoinOrderOptions { PairBudget = budget } : null;
            var rules = Optimizer.RulesFor(envelope.Catalog, options.IsStrictFunction, joinOrder, envelope.HashMemKb);
            var optimizer = new Optimizer(DisabledRules(options, envelope, rules), rules);
            // Sub-queries become joins first (subquery_decorrelation): every later step sees joins.
            var root = optimizer.RunOnBoundPlan(bound.Root, options.AfterRule);
            // Unread sub-query outputs go before constants are evaluated: PostgreSQL never evaluates
            // (nor folds) them (pulled up, or replaced by NULL in remove_unused_subquery_outputs).
            root = new ProjectionPruning(beforeFolding: true).Apply(root);
            // A LIKE whose constant pattern ends with its escape character goes to PostgreSQL before any
            // constant is evaluated here (PlanTimeLikeCheck), and again after (a pattern folded to one).
            foreach (var definition in CteDefinition.Reachable(root)) PlanTimeLikeCheck.Check(definition.Plan);
            PlanTimeLikeCheck.Check(root);
            // So do the WHERE clauses of sub-queries PostgreSQL plans but never reads (seed 798 case 2908).
            foreach (var condition in bound.PlanTimeOnly) PlanTimeLikeCheck.CheckCondition(condition);
            if (options.EvaluateConstant is { } evaluate)
            {
                // A clause operand PostgreSQL's selectivity estimation evaluates (stable calls too) and
                // that raises: the query goes to PostgreSQL before any constant is evaluated here.
                // Both know the PlaceHolderVars' outputs: eval_const_expressions folds their contents and
                // keeps them, estimate_expression_value strips them (seed 690 case 1951).
                var estimator = new PlanTimeEstimateCheck.Evaluators(
                    new ConstantEvaluation(evaluate, options.IsStrictFunction, placeHolderOutputs: bound.PlaceHolderOutputs),
                    new ConstantEvaluation(evaluate, options.IsStrictFunction, placeHolderOutputs: bound.PlaceHolderOutputs, estimate: true),
                    bound.PlaceHolderOutputs);
                var resolve = PulledUpResolver(bound);
                foreach (var definition in CteDefinition.Reachable(root)) PlanTimeEstimateCheck.Check(definition.Plan, estimator, resolve);
                PlanTimeEstimateCheck.Check(root, estimator, resolve);
                foreach (var condition in bound.PlanTimeOnly) PlanTimeEstimateCheck.CheckCondition(condition, estimator, resolve);
                bool isEquality(uint funcOid) => envelope.Catalog.OperatorOfFunction(funcOid)?.Name == "=";
                // Materialized WITH queries are planned first, each whole (SS_process_ctes comes
                // before the query's own preprocess_expression): their constants raise first.
                foreach (var definition in CteDefinition.Reachable(root))
                    definition.Plan = new ConstantEvaluation(evaluate, options.IsStrictFunction, bound.PulledUpConstants, bound.PulledUpOutputs, isEquality, bound.PlaceHolderOutputs).Apply(definition.Plan);
                var evaluation = new ConstantEvaluation(evaluate, options.IsStrictFunction, bound.PulledUpConstants, bound.PulledUpOutputs, isEquality, bound.PlaceHolderOutputs);
                root = evaluation.Apply(root);
                // sub-queries are planned after the query's own expressions are folded
                foreach (var condition in bound.PlanTimeOnly) evaluation.Evaluate(condition);
            }
            foreach (var definition in CteDefinition.Reachable(root)) PlanTimeLikeCheck.Check(definition.Plan);
            PlanTimeLikeCheck.Check(root);
            var logical = optimizer.Optimize(root, options.AfterRule);
            WindowRunCondition.Check(logical, envelope.Catalog);
            var physical = new PhysicalPlanner(envelope.Catalog) { IndexProbeJoins = options.IndexProbeJoins, ForceIndexProbes = options.ForceIndexProbes }.Lower(logical);
            var resultColumns = bound.ResultColumns.Select(c => new OutputColumn(c.Name, c.Type)).ToList();
            var notes = JoinOrderNotes(rules);
            var catalog = envelope.Catalog;
            // formatted only when read (EXPLAIN, dumps): compiling a plan does not need the text
            string FormatExplain() => ExplainFormatter.Format(physical, catalog) + string.Concat(notes.Select(n => n + "\n"));
            return PlanResult.Ok(new PlannedQuery(physical, resultColumns, FormatExplain) { Notes = notes });
        }
        catch (UnsupportedConstructException e)
        {
            return PlanResult.Unsupported(e.Message);
        }
    }

    /// <summary>
    /// References to outputs of pulled-up sub-queries replaced by their expressions (PostgreSQL
    /// substitutes them before planning the parent: pullup_replace_vars), nested pull-ups included;
    /// PlaceHolderVars' outputs stay references (a PlaceHolderVar counts as a variable of its relation).
    /// </summary>
    private static Func<BoundExpr, BoundExpr> PulledUpResolver(BoundQuery bound)
    {
        var constants = bound.PulledUpConstants;
        var outputs = bound.PulledUpOutputs;
        if (constants.Count == 0 && outputs.Count == 0) return static e => e;
        return e =>
        {
            for (int depth = 0; depth < 32; depth++)
            {
                bool changed = false;
                e = e.TransformUp(x =>
                {
                    if (x is not LogicalColumnRef r) return x;
                    if (constants.TryGetValue(r.Column.Id, out var c) || outputs.TryGetValue(r.Column.Id, out c))
                    {
                        changed = true;
                        return c;
                    }
                    return x;
                });
                if (!changed) break;
            }
            return e;
        };
    }

    /// <summary>
    /// The rules the options and the session (pg_fusion.disabled_rules) turn off. A session naming
    /// no rule of the planner gets Unsupported listing the rules (the query runs on PostgreSQL, or
    /// the error names the setting), never an exception.
    /// </summary>
    private static IReadOnlyCollection<string> DisabledRules(PlannerOptions options, QueryEnvelope envelope, IReadOnlyList<IRewriteRule> rules)
    {
        if (envelope.DisabledRules.Count == 0) return options.DisabledRules;
        foreach (var name in envelope.DisabledRules)
            if (!rules.Any(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)))
                throw new UnsupportedConstructException($"pg_fusion.disabled_rules names no rewrite rule \"{name}\" (rules: {string.Join(", ", rules.Select(r => r.Name))})");
        return [.. options.DisabledRules, .. envelope.DisabledRules];
    }

    /// <summary>One EXPLAIN line per join region that DPHyp did not order exactly (greedy fallback, or the written order kept).</summary>
    private static List<string> JoinOrderNotes(IReadOnlyList<IRewriteRule> rules)
    {
        var notes = new List<string>();
        foreach (var reorder in rules.OfType<JoinReorder>())
        {
            foreach (var r in reorder.Results)
            {
                if (r.Method == JoinOrderMethod.Greedy)
                    notes.Add($"Join Order: greedy ({r.FallbackReason}; pg_fusion.join_pair_budget)");
                else if (r.Method == JoinOrderMethod.None)
                    notes.Add($"Join Order: as written ({r.FallbackReason})");
            }
        }
        return notes;
    }

    /// <summary>The logical plan after binding and after each rule, as text (pg_fusion_explain's per-rule view).</summary>
    public static IReadOnlyList<(string Stage, string Plan)> ExplainRules(ReadOnlySpan<byte> queryJson, PlannerOptions? options = null)
    {
        using var envelope = QueryEnvelopeReader.Read(queryJson);
        var stages = new List<(string, string)>();
        var result = Plan(envelope, (options ?? PlannerOptions.Default) with
        {
            AfterRule = (name, plan) => stages.Add((name, LogicalPlanPrinter.Print(plan, envelope.Catalog))),
        });
        if (!result.IsSupported) stages.Add(("unsupported", result.UnsupportedReason!));
        return stages;
    }
}
