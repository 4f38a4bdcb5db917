using PgFusion.Planner.Tests.Fixtures;
using PgFusion.TestSupport;
using Xunit;

namespace PgFusion.Planner.Tests.Binding;

/// <summary>
/// An OID the planner does not handle is Unsupported naming the OID and its name (from the
/// envelope's catalog), captured from the live PostgreSQL 15 as LiveCaptureTests. (A function OID
/// the kernels do not implement is the compiler's Unsupported, "function OID (name) is not
/// supported": Codegen.Tests DifferentialTests.Unsupported_function_is_a_value_not_an_exception.)
/// </summary>
public sealed class UnsupportedOidTests
{
    private static readonly Lazy<string> Database = new(() =>
    {
        string cs = PgServer.CreateDatabase("pgfusion_unsupported_oid_tests");
        using var conn = new Npgsql.NpgsqlConnection(cs);
        conn.Open();
        PgServer.Execute(conn, "DROP TABLE IF EXISTS geo");
        PgServer.Execute(conn, "CREATE TABLE geo(a int4, p point, r int4range)");
        PgServer.Execute(conn, "INSERT INTO geo SELECT i, point(i, i), int4range(i, i + 2) FROM generate_series(1, 20) i");
        PgServer.Execute(conn, "ANALYZE geo");
        return cs;
    });

    private static string Reason(string sql)
    {
        using var conn = new Npgsql.NpgsqlConnection(Database.Value);
        conn.Open();
        var result = QueryPlanner.Plan(FixtureCapture.Capture(conn, sql));
        Assert.False(result.IsSupported, $"planned: {result.Plan?.Explain}");
        return result.UnsupportedReason!;
    }

    [Theory]
    [InlineData("SELECT p FROM geo", "point (OID 600)")]
    [InlineData("SELECT a FROM geo WHERE r IS NULL", "int4range (OID 3904)")]
    [InlineData("SELECT a FROM geo WHERE '(1,2)'::point IS NOT NULL", "point (OID 600)")]
    public void An_unsupported_type_is_named_with_its_OID(string sql, string named) =>
        Assert.Contains(named, Reason(sql), StringComparison.Ordinal);

    [Fact]
    public void The_supported_columns_of_the_same_table_plan()
    {
        using var conn = new Npgsql.NpgsqlConnection(Database.Value);
        conn.Open();
        var result = QueryPlanner.Plan(FixtureCapture.Capture(conn, "SELECT a FROM geo WHERE a > 3"));
        Assert.True(result.IsSupported, result.UnsupportedReason);
    }
}
