using PgFusion.Codegen.Operators.Spill;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// The spill paths with budgets of a few kB: hash aggregation (recursive partitions), DISTINCT,
/// count(DISTINCT), DISTINCT / ORDER BY aggregate state (sorted runs), sorts (runs and merge, top-N),
/// grace hash joins (inner, outer, full, semi, anti, NOT IN)
/// and INTERSECT/EXCEPT over t0/t50/t100 through the library pipeline,
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
        { "SELECT * FROM t50 ORDER BY n DESC, id", 8 }, // every column type through the spill file format
        { "SELECT id, s FROM t50 ORDER BY s DESC, id LIMIT 37", 2 },
        { "SELECT id % 300, count(*) FROM t0 GROUP BY id % 300 ORDER BY count(*) DESC, 1", 2 },
        { "SELECT a.id, b.id FROM t50 a JOIN t0 b ON a.i2 = b.i2", 4 },
        { "SELECT a.id, b.id, b.s FROM t50 a LEFT JOIN t0 b ON a.s = b.s", 4 },
        { "SELECT a.id, b.id FROM t50 a FULL JOIN t0 b ON a.i2 = b.i2 AND a.id < b.id", 8 },
        { "SELECT a.id FROM t50 a WHERE NOT EXISTS (SELECT 1 FROM t0 b WHERE b.i2 = a.i2)", 2 },
        { "SELECT a.id FROM t50 a WHERE EXISTS (SELECT 1 FROM t0 b WHERE b.i4 = a.i4 + 1)", 2 },
        { "SELECT i2 % 100, s FROM t50 INTERSECT SELECT i2 % 100, s FROM t0", 2 },
        { "SELECT s, b FROM t50 EXCEPT ALL SELECT s, b FROM t0 WHERE id % 2 = 0", 2 },
        { "SELECT n2 FROM t0 INTERSECT ALL SELECT n2 FROM t50", 2 },
        // per-group state: only the DISTINCT / ORDER BY accumulators' sorted runs can spill here (one group, or two)
        { "SELECT count(DISTINCT s), count(DISTINCT i4), sum(DISTINCT i2), count(*) FROM t50", 1 },
        { "SELECT b, string_agg(s, ',' ORDER BY i4 DESC, id) FROM t50 GROUP BY b ORDER BY b", 1 },
        { "SELECT b, string_agg(DISTINCT s, ';' ORDER BY s DESC), count(DISTINCT n2) FROM t0 GROUP BY b ORDER BY b", 1 },
        // NOT IN: partitions without NULLs in the subquery, and with (then the result is empty)
        { "SELECT a.id, a.s FROM t50 a WHERE a.i2 NOT IN (SELECT b.i2 + 1 FROM t0 b)", 2 },
        { "SELECT a.id FROM t0 a WHERE a.i4 NOT IN (SELECT b.i4 FROM t50 b)", 2 },
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
