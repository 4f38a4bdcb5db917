namespace PgFusion.Planner.Json;

/// <summary>A pg_operator row the query uses: oprname, operand and result types, and oprcode (FuncId).</summary>
public sealed record CatalogOperator(uint Oid, string Name, uint Left, uint Right, uint Result, uint FuncId);
