using Npgsql;
using PgFusion.Codegen.Functions;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// Every function Codegen registers is the pg_proc entry its OID names in PostgreSQL 15, and every
/// cast function between the types kernels hold is registered (or listed below with the reason it is not).
/// </summary>
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

    /// <summary>Cast functions between kernel types that Codegen does not implement yet; a query holding one falls back to PostgreSQL.</summary>
    private static readonly Dictionary<uint, string> CastsNotYet = new()
    {
    };

    [Fact]
    public void Every_cast_function_between_kernel_types_is_registered()
    {
        // the types KernelTypes maps to a column (PgTypeOid), as regtype names
        const string Types = "{bool,int2,int4,int8,oid,float4,float8,numeric,text,varchar,bpchar,name,bytea,uuid,interval,date,time,timestamp,timestamptz}";
        var missing = new List<string>();
        var casts = new HashSet<uint>();
        using (var cmd = new NpgsqlCommand($"""
            SELECT DISTINCT c.castfunc::int8, p.proname::text, format_type(c.castsource, NULL) || ' -> ' || format_type(c.casttarget, NULL)
            FROM pg_cast c JOIN pg_proc p ON p.oid = c.castfunc
            WHERE c.castsource = ANY('{Types}'::regtype[]) AND c.casttarget = ANY('{Types}'::regtype[])
            ORDER BY 1
            """, fixture.Connection))
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                uint oid = (uint)reader.GetInt64(0);
                casts.Add(oid);
                if (!FunctionRegistry.TryGet(oid, out _) && !CastsNotYet.ContainsKey(oid))
                    missing.Add($"{oid} {reader.GetString(1)} ({reader.GetString(2)})");
            }
        }
        Assert.True(missing.Count == 0, "cast functions neither registered nor listed as not yet: " + string.Join(", ", missing));
        // the list stays honest: an entry that got registered (or is no cast) is removed from it
        var stale = CastsNotYet.Keys.Where(oid => FunctionRegistry.TryGet(oid, out _) || !casts.Contains(oid)).ToList();
        Assert.True(stale.Count == 0, "listed as not yet but registered or not a cast: " + string.Join(", ", stale));
        Assert.True(FunctionRegistry.TryGet(483, out var dtoi8) && dtoi8.Name == "int8"); // int8(float8)
    }
}
