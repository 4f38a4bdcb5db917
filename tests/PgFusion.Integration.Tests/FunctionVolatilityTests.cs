using PgFusion.Codegen.Functions;
using PgFusion.Planner.Binding;
using PgFusion.TestSupport;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// The planner folds a call over constants only when PostgreSQL's eval_const_expressions would,
/// that is when pg_proc.provolatile is 'i' (<see cref="FunctionVolatility"/>). Its table of stable
/// functions is compared here with the server's pg_proc for every function Codegen implements and
/// every output function the binder calls for x::text: a function added to the registry with the
/// wrong volatility fails this test.
/// </summary>
public sealed class FunctionVolatilityTests
{
    /// <summary>Output functions the binder calls for CoerceViaIO to text (ExpressionBinder.TextOutput) and anytextcat/textanycat.</summary>
    private static readonly uint[] BinderCalls = [1085, 1144, 1151, 1161, 1258, 1313, 1702, 1799, 201, 215, 2953, 2971, 31, 39, 401, 43, 461, 2549, 2003, 2004];

    [Fact]
    public void StableTableMatchesPgProc()
    {
        var oids = FunctionRegistry.All.Where(f => !f.IsPseudo).Select(f => f.Oid).Concat(BinderCalls).Concat(FunctionVolatility.StableFunctions).Distinct().OrderBy(o => o).ToList();
        using var conn = PgServer.Open();
        var actual = new Dictionary<uint, char>();
        using (var cmd = new Npgsql.NpgsqlCommand("SELECT oid::int8, provolatile::text FROM pg_proc WHERE oid::int8 = ANY(@oids)", conn))
        {
            cmd.Parameters.AddWithValue("oids", oids.Select(o => (long)o).ToArray());
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) actual[(uint)reader.GetInt64(0)] = reader.GetString(1)[0];
        }
        var missing = oids.Where(o => !actual.ContainsKey(o)).ToList();
        Assert.True(missing.Count == 0, $"not in pg_proc: {string.Join(", ", missing)}");
        var wrong = oids.Where(o => (actual[o] == 'i') != FunctionVolatility.IsImmutable(o))
            .Select(o => $"{o} (pg_proc.provolatile '{actual[o]}', table says {(FunctionVolatility.IsImmutable(o) ? "immutable" : "stable")})").ToList();
        Assert.True(wrong.Count == 0, "volatility differs from pg_proc: " + string.Join("; ", wrong));
        Assert.DoesNotContain(oids, o => actual[o] == 'v');
    }
}
