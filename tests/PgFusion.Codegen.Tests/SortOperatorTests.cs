using Npgsql;
using PgFusion.Planner.Binding;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>The btree sort operators the binder knows by OID (for ORDER BY inside aggregates) are what pg_operator says.</summary>
[Collection(CodegenCollection.Name)]
public sealed class SortOperatorTests(CodegenFixture fixture)
{
    [Fact]
    public void Known_sort_operators_match_pg_operator()
    {
        var rows = new Dictionary<uint, (string Name, uint Left, uint Right)>();
        using (var cmd = new NpgsqlCommand("SELECT oid::int8, oprname::text, oprleft::int8, oprright::int8 FROM pg_operator", fixture.Connection))
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read()) rows[(uint)reader.GetInt64(0)] = (reader.GetString(1), (uint)reader.GetInt64(2), (uint)reader.GetInt64(3));
        }
        foreach (var (oid, name, type) in ExpressionBinder.KnownSortOperators)
        {
            Assert.True(rows.TryGetValue(oid, out var row), $"operator {oid} is not in pg_operator");
            Assert.Equal((name, type, type), row);
            Assert.Equal(name == ">", ExpressionBinder.SortOperatorIsDescending(oid));
        }
        Assert.Null(ExpressionBinder.SortOperatorIsDescending(96)); // int4eq
    }
}
