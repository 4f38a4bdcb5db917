namespace PgFusion.Planner.Json;

/// <summary>
/// A pg_operator row the query uses: oprname, operand and result types, oprcode (FuncId), and
/// oprnegate (Negator, 0 when none; the hook sends the negator's own row too).
/// </summary>
public sealed record CatalogOperator(uint Oid, string Name, uint Left, uint Right, uint Result, uint FuncId, uint Negator = 0);
