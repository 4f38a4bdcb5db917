namespace PgFusion.TestSupport.Slt;

/// <summary>
/// `statement ok` or `statement error [SQLSTATE]`: setup and DDL/DML, run once with pg_fusion off.
/// </summary>
/// <param name="ExpectError">The statement must fail.</param>
/// <param name="SqlState">When set, the SQLSTATE the failure must carry.</param>
public sealed record SltStatement(string File, int Line, string Sql, bool ExpectError, string? SqlState)
    : SltRecord(File, Line, Sql);
