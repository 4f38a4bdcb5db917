namespace PgFusion.Planner.Json;

/// <summary>A pg_type row the query uses: typname, typlen, typbyval, typalign.</summary>
public sealed record CatalogType(uint Oid, string Name, short Len, bool ByVal, char Align);
