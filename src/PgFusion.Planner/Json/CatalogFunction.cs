namespace PgFusion.Planner.Json;

/// <summary>A pg_proc row the query uses: OID, proname and result type.</summary>
public sealed record CatalogFunction(uint Oid, string Name, uint ReturnType);
