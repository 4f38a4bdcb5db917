using System.Text.Json;

namespace PgFusion.Planner.Json;

/// <summary>
/// The parsed Query JSON (QUERY_JSON_CONTRACT.md): the query tree, the relations it reads and the
/// catalog names. Owns the parsed document, so dispose it after binding.
/// </summary>
public sealed class QueryEnvelope : IDisposable
{
    public const int SupportedVersion = 1;

    private readonly JsonDocument _document;

    internal QueryEnvelope(JsonDocument document, int serverVersionNum, QueryTreeNode query, IReadOnlyDictionary<uint, RelationInfo> relations, QueryCatalog catalog)
    {
        _document = document;
        ServerVersionNum = serverVersionNum;
        Query = query;
        Relations = relations;
        Catalog = catalog;
    }

    public int ServerVersionNum { get; }

    /// <summary>The rewritten, analyzed Query (node QUERY) at <c>$.query</c>.</summary>
    public QueryTreeNode Query { get; }

    public IReadOnlyDictionary<uint, RelationInfo> Relations { get; }

    public QueryCatalog Catalog { get; }

    public void Dispose() => _document.Dispose();
}
