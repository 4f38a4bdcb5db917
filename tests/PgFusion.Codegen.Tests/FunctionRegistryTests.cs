using Npgsql;
using PgFusion.Codegen.Functions;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>Every function Codegen registers is the pg_proc entry its OID names in PostgreSQL 15.</summary>
[Collection(CodegenCollection.Name)]
public sealed class FunctionRegistryTests(CodegenFixture fixture)
{
    [Fact]
    public void Registered_oids_name_the_same_functions_in_pg_proc()
    {
        var names = new Dictionary<uint, string>();
        using (var cmd = new NpgsqlCommand("SELECT oid::int8, proname::text FROM pg_proc", fixture.Connection))
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read()) names[(uint)reader.GetInt64(0)] = reader.GetString(1);
        }
        var wrong = FunctionRegistry.All
            .Where(f => !f.IsPseudo && (!names.TryGetValue(f.Oid, out var n) || n != f.Name))
            .Select(f => $"{f.Oid} registered as {f.Name}, pg_proc has {(names.TryGetValue(f.Oid, out var n) ? n : "nothing")}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.True(FunctionRegistry.TryGet(60, out var booleq) && booleq.Name == "booleq");
    }
}
