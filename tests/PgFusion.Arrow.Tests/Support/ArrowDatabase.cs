using Npgsql;
using PgFusion.TestSupport;

namespace PgFusion.Arrow.Tests.Support;

/// <summary>A database of its own for the Arrow tests, with pageinspect for get_raw_page.</summary>
public sealed class ArrowDatabase : IDisposable
{
    public ArrowDatabase()
    {
        PgServer.CreateDatabase("arrow_interop");
        Connection = PgServer.Open("arrow_interop");
        PgServer.Execute(Connection, "CREATE EXTENSION IF NOT EXISTS pageinspect");
    }

    public NpgsqlConnection Connection { get; }

    /// <summary>Runs a script one statement at a time (VACUUM cannot run in a batch); statements end with ';' at a line end.</summary>
    public void Execute(string script)
    {
        foreach (var statement in System.Text.RegularExpressions.Regex.Split(script, @";\s*(?:\n|$)"))
            if (!string.IsNullOrWhiteSpace(statement)) PgServer.Execute(Connection, statement);
    }

    public void Dispose() => Connection.Dispose();
}
