namespace PgFusion.Planner.Json;

/// <summary>The envelope's "catalog": names for the OIDs the query uses (messages, EXPLAIN, sort direction).</summary>
public sealed class QueryCatalog
{
    private readonly Dictionary<uint, CatalogOperator> _operatorsByFunc = [];

    public QueryCatalog(IEnumerable<CatalogFunction> functions, IEnumerable<CatalogOperator> operators, IEnumerable<CatalogType> types)
    {
        Functions = functions.GroupBy(f => f.Oid).ToDictionary(g => g.Key, g => g.First());
        Operators = operators.GroupBy(o => o.Oid).ToDictionary(g => g.Key, g => g.First());
        Types = types.GroupBy(t => t.Oid).ToDictionary(g => g.Key, g => g.First());
        foreach (var op in Operators.Values.OrderBy(o => o.Oid))
            _operatorsByFunc.TryAdd(op.FuncId, op);
    }

    public static QueryCatalog Empty { get; } = new([], [], []);

    public IReadOnlyDictionary<uint, CatalogFunction> Functions { get; }

    public IReadOnlyDictionary<uint, CatalogOperator> Operators { get; }

    public IReadOnlyDictionary<uint, CatalogType> Types { get; }

    /// <summary>A function's name; for an equality an equivalence class calls unasked (<see cref="Rules.BuiltinEqualities"/>), its pg_proc name.</summary>
    public string? FunctionName(uint oid) => Functions.TryGetValue(oid, out var f) ? f.Name : Rules.BuiltinEqualities.FunctionName(oid);

    /// <summary>The operator implemented by function <paramref name="funcId"/>, for infix EXPLAIN text and selectivity.
    /// An integer or float equality an equivalence class calls though the query does not (<see cref="Rules.BuiltinEqualities"/>) is known too.</summary>
    public CatalogOperator? OperatorOfFunction(uint funcId) => _operatorsByFunc.GetValueOrDefault(funcId) ?? Rules.BuiltinEqualities.OfFunction(funcId);

    public string TypeName(uint oid) => Types.TryGetValue(oid, out var t) ? t.Name : $"type {oid}";
}
