using PgFusion.Fuzz;
using PgFusion.Fuzz.Generators;
using PgFusion.Fuzz.Queries;
using PgFusion.Fuzz.Running;
using PgFusion.TestSupport;
using Xunit;

namespace PgFusion.Property.Tests;

/// <summary>
/// The runner accepts a one-sided data exception as plan-dependent when PostgreSQL gives
/// pg_fusion's outcome for the query with its join written the other way round
/// (<see cref="FuzzQuery.CommutedFrom"/>). That is sound only if the commuted query is the same
/// query: PostgreSQL itself must return the same rows for both.
/// </summary>
public sealed class CommutedJoinTests
{
    private static List<FuzzCase> Cases()
    {
        var options = new FuzzOptions { MaxTables = 2, MaxRows = 40 };
        return Enumerable.Range(0, 60).Select(i => CaseGen.Sample(options, 750, i)).ToList();
    }

    [Fact]
    public void Every_join_kind_is_commuted_with_its_sides_swapped()
    {
        var joins = Cases().SelectMany(c => c.Queries).Where(q => q.CommutedFrom != null).ToList();
        foreach (var (kind, swapped) in new[] { ("LEFT JOIN", "RIGHT JOIN"), ("RIGHT JOIN", "LEFT JOIN"), ("FULL JOIN", "FULL JOIN"), ("JOIN", "JOIN") })
        {
            var q = joins.FirstOrDefault(q => q.From.StartsWith($"{q.From.Split(' ')[0]} a {kind} ", StringComparison.Ordinal));
            Assert.True(q != null, $"no {kind} generated");
            var right = q.From.Split(' ')[3 + kind.Split(' ').Length - 1];
            Assert.StartsWith($"{right} b {swapped} {q.From.Split(' ')[0]} a", q.CommutedFrom, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void PostgreSQL_returns_the_same_rows_for_a_join_and_its_commuted_form()
    {
        // A database of its own: the test classes run in parallel, and Prepare recreates its database.
        var cs = FuzzDatabase.Prepare(PgServer.ConnectionString(), "pgfusion_commuted_join_tests");
        using var db = new FuzzDatabase(cs);
        var compared = 0;
        foreach (var c in Cases())
        {
            var joins = c.Queries.Where(q => q.CommutedFrom != null).ToList();
            if (joins.Count == 0) continue;
            db.Load(c.Schema);
            foreach (var q in joins)
            {
                var written = db.Run(q.Sql, fusion: false);
                if (written is not RowsOutcome) continue;
                var commuted = db.Run((q with { From = q.CommutedFrom! }).Sql, fusion: false);
                var verdict = OutcomeComparer.Compare(written, commuted, q);
                Assert.False(verdict.IsMismatch, $"{q.Sql}\nFROM {q.CommutedFrom}\n{verdict.Detail}");
                Assert.IsType<RowsOutcome>(db.RunUnanalyzed((q with { From = q.CommutedFrom! }).Sql));
                compared++;
            }
            // The unanalyzed run is rolled back: the tables keep their rows and statistics.
            var t = c.Schema.Tables[0];
            Assert.Equal(t.Rows.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Assert.IsType<RowsOutcome>(db.Run($"SELECT count(*) FROM {t.Name}", fusion: false)).Rows[0][0]);
        }
        Assert.True(compared >= 20, $"only {compared} commuted joins compared");
    }
}
