using System.Diagnostics;
using Npgsql;
using PgFusion.TestSupport;
using Xunit;

namespace PgFusion.Integration.Tests;

/// <summary>
/// A database a test class creates for itself (a class fixture): its connection string, whether
/// the cluster preloads pg_fusion, and connections to it.
/// </summary>
public abstract class TestDatabase
{
    protected TestDatabase(string name)
    {
        ConnectionString = PgServer.CreateDatabase(name);
        using var conn = Open();
        FusionAvailable = PgServer.Scalar(conn, "SELECT count(*) FROM pg_settings WHERE name = 'pg_fusion.enable'") is long n && n > 0;
    }

    public string ConnectionString { get; }

    /// <summary>False on a cluster started without pg_fusion (PGFUSION_PRELOAD=): only the "off" side can be checked.</summary>
    public bool FusionAvailable { get; }

    public NpgsqlConnection Open()
    {
        var conn = new NpgsqlConnection(ConnectionString);
        conn.Open();
        return conn;
    }

    /// <summary>
    /// Every session slot and pool page comes back once no query runs (the worker reclaims them
    /// asynchronously): waits up to 10 s for pg_fusion_worker_status() to show none in use.
    /// </summary>
    public void AssertNoLeakedSlotsOrPages()
    {
        using var conn = Open();
        var clock = Stopwatch.StartNew();
        string state = "";
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            state = PgServer.Scalar(conn, "SELECT slots_in_use || '/' || pool_pages_in_use FROM pg_fusion_worker_status()") as string ?? "";
            if (state == "0/0")
                return;
            Thread.Sleep(100);
        }
        Assert.Fail($"slots/pages still in use 10 s after the queries ended: {state}");
    }
}
