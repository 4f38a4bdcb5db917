namespace PgFusion.Planner.Json;

/// <summary>
/// The parsed Query JSON (QUERY_JSON_CONTRACT.md): the query tree, the relations it reads and the
/// catalog names. Owns the parsed query tree (<see cref="QueryJsonTree"/>, pooled rows), so dispose it after binding.
/// </summary>
public sealed class QueryEnvelope : IDisposable
{
    public const int SupportedVersion = 1;

    private readonly QueryJsonTree _tree;

    internal QueryEnvelope(QueryJsonTree tree, int serverVersionNum, QueryTreeNode query, IReadOnlyDictionary<uint, RelationInfo> relations, QueryCatalog catalog, int? joinPairBudget, OutputSettings? output = null, DatabaseLocale? locale = null)
    {
        _tree = tree;
        JoinPairBudget = joinPairBudget;
        Output = output ?? OutputSettings.Unknown;
        Locale = locale ?? DatabaseLocale.Unknown;
        ServerVersionNum = serverVersionNum;
        Query = query;
        Relations = relations;
        Catalog = catalog;
    }

    public int ServerVersionNum { get; }

    /// <summary><c>$.settings.join_pair_budget</c>: the session's pg_fusion.join_pair_budget (null when the producer did not send it).</summary>
    public int? JoinPairBudget { get; }

    /// <summary>
    /// <c>$.settings.disabled_rules</c>: the rewrite rules the session's pg_fusion.disabled_rules names
    /// (comma-separated; empty when the producer sent none), skipped as <see cref="PlannerOptions.DisabledRules"/> are.
    /// </summary>
    public IReadOnlyList<string> DisabledRules { get; init; } = [];

    /// <summary>
    /// <c>$.settings.hash_mem_kb</c>: the session's work_mem × hash_mem_multiplier in kB
    /// (get_hash_memory_limit), the most an uncorrelated IN sub-query's rows may take for PostgreSQL to
    /// hash them; null when the producer did not send it (PostgreSQL's defaults then: 8192).
    /// </summary>
    public double? HashMemKb { get; init; }

    /// <summary><c>$.settings</c>' DateStyle, IntervalStyle, bytea_output and extra_float_digits: how values print as text.</summary>
    public OutputSettings Output { get; }

    /// <summary>The database's encoding and default collation (<c>$.settings</c>), which decide what text work the worker may do.</summary>
    public DatabaseLocale Locale { get; }

    /// <summary>The rewritten, analyzed Query (node QUERY) at <c>$.query</c>.</summary>
    public QueryTreeNode Query { get; }

    public IReadOnlyDictionary<uint, RelationInfo> Relations { get; }

    public QueryCatalog Catalog { get; }

    public void Dispose() => _tree.Dispose();
}
