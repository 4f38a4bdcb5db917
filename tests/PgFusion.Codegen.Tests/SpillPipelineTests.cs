using PgFusion.Codegen.Operators.Spill;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// The spill paths with budgets of a few kB: hash aggregation (recursive partitions), DISTINCT,
/// count(DISTINCT), sorts (runs and merge, top-N) over t0/t50/t100 through the library pipeline,
/// compared with PostgreSQL; each must have spilled, and every spill file is gone afterwards.
/// </summary>
[Collection(CodegenCollection.Name)]
public sealed class SpillPipelineTests(CodegenFixture fixture)
{
    public static TheoryData<string, int> Queries => new()
    {
        { "SELECT id % 500, count(*), sum(i4), sum(n2), min(s), max(d) FROM t50 GROUP BY id % 500", 4 },
        { "SELECT s, count(*), avg(i4), count(DISTINCT b) FROM t50 GROUP BY s", 2 },
        { "SELECT i2, b, string_agg(s, ',' ORDER BY id) FROM t0 GROUP BY i2, b ORDER BY i2, b", 4 },
        { "SELECT DISTINCT i2 % 100, s FROM t50", 2 },
        { "SELECT id % 1000, n, count(*) FROM t100 GROUP BY id % 1000, n", 1 },
        { "SELECT id, s, n2 FROM t50 ORDER BY s NULLS FIRST, n2 DESC, id", 8 },
        { "SELECT id, f8, ts FROM t0 ORDER BY f8, ts DESC, id", 4 },
        { "SELECT id, s FROM t50 ORDER BY s DESC, id LIMIT 37", 2 },
        { "SELECT id % 300, count(*) FROM t0 GROUP BY id % 300 ORDER BY count(*) DESC, 1", 2 },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void Spilling_pipeline_equals_postgres(string sql, int budgetKb)
    {
        string dir = Path.Combine(Path.GetTempPath(), "pgfusion-spill-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var spill = new SpillSpace(dir, budgetKb * 1024L))
            {
                new OfflinePipelineTests(fixture).EqualsPostgres(sql, spill);
                Assert.True(spill.FilesCreated > 0, $"nothing spilled with a {budgetKb} kB budget");
                Assert.True(spill.BytesWritten > 0);
            }
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
