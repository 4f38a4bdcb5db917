using PgFusion.TestSupport;

namespace PgFusion.Integration.Tests;

/// <summary>
/// A database with one table of the skeleton's types (NULLs included) for the hook tests. The
/// tests need pg_fusion preloaded; without it they fail when PGFUSION_REQUIRE_EXTENSION=1 and
/// otherwise report that they checked nothing.
/// </summary>
public sealed class HookDatabase : TestDatabase
{
    public const string Table = "hook_t";
    public const int Rows = 20_000;

    public HookDatabase()
        : base("pgfusion_hook_test")
    {
        using var conn = Open();
        PgServer.Execute(conn, $"""
            CREATE TABLE {Table} AS
            SELECT g AS id,
                   (g % 7)::int2 AS small,
                   CASE WHEN g % 11 = 0 THEN NULL ELSE (g % 10)::int4 END AS k,
                   g::int8 * 1000 AS big,
                   CASE WHEN g % 13 = 0 THEN NULL ELSE (g * 1.25)::numeric(12,2) END AS v,
                   (g / 3.0)::float8 AS f,
                   g % 2 = 0 AS flag,
                   CASE WHEN g % 17 = 0 THEN NULL ELSE 'name ' || (g % 100) END AS s,
                   DATE '2020-01-01' + (g % 400) AS d
            FROM generate_series(1, {Rows}) g
            """);
        PgServer.Execute(conn, $"ANALYZE {Table}");
    }
}
