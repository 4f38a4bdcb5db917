namespace PgFusion.Planner.Json;

/// <summary>
/// A pg_proc row the query uses: OID, proname, result type and procost (the planner's estimate of
/// one call in units of cpu_operator_cost; 1 when the envelope does not say).
/// </summary>
public sealed record CatalogFunction(uint Oid, string Name, uint ReturnType, double Cost = 1);
