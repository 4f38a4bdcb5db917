using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// Set operations, WITH and grouping sets through the library path (captured Query JSON -> Planner ->
/// Codegen over the tables' real pages, one batch per page), compared with PostgreSQL. The tables
/// hold 0%, 50% and 100% NULLs, so NULL rows, duplicates and empty sides all occur.
/// </summary>
[Collection(CodegenCollection.Name)]
public sealed class SetOperationPipelineTests(CodegenFixture fixture)
{
    public static TheoryData<string> Queries => new()
    {
        "SELECT i2 % 7, b FROM t50 UNION ALL SELECT i4 % 7, b FROM t0 UNION ALL SELECT i2, b FROM t100",
        "SELECT i2 % 7, b FROM t50 UNION SELECT i2 % 5, b FROM t0",
        "SELECT i2 % 7, b FROM t50 INTERSECT ALL SELECT i2 % 5, b FROM t50 WHERE id % 2 = 0",
        "SELECT i2 % 7, b FROM t50 EXCEPT ALL SELECT i2 % 5, b FROM t50 WHERE id % 3 = 0",
        "SELECT bp, s FROM t50 INTERSECT SELECT bp, v FROM t50",
        "SELECT n2 FROM t50 EXCEPT SELECT n FROM t0",
        "SELECT i8 % 3 FROM t50 UNION SELECT i2 % 3 FROM t100 ORDER BY 1 NULLS FIRST",
        "WITH w AS (SELECT b, count(*) AS c FROM t50 GROUP BY b) SELECT x.b, y.c FROM w x JOIN w y ON x.b = y.b",
        "SELECT b, i2 % 3, count(*), sum(n2) FROM t50 GROUP BY ROLLUP (b, i2 % 3)",
        "SELECT b, i2 % 3, GROUPING(b, i2 % 3), max(s) FROM t50 GROUP BY CUBE (b, i2 % 3)",
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void Library_pipeline_equals_postgres(string sql) => new OfflinePipelineTests(fixture).Library_pipeline_equals_postgres(sql);
}
