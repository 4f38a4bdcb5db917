using Npgsql;
using PgFusion.TestSupport;

namespace PgFusion.HeapDecoder.Tests.Support;

/// <summary>A database of its own per test class, with pageinspect.</summary>
public abstract class DecoderDatabase : IDisposable
{
    protected DecoderDatabase(string name)
    {
        PgServer.CreateDatabase(name);
        Connection = PgServer.Open(name);
        PgServer.Execute(Connection, "CREATE EXTENSION IF NOT EXISTS pageinspect");
    }

    public NpgsqlConnection Connection { get; }

    /// <summary>Runs a script one statement at a time (VACUUM cannot run inside Npgsql's batch); statements end with ';' at a line end.</summary>
    public void Execute(string script)
    {
        foreach (var statement in System.Text.RegularExpressions.Regex.Split(script, @";\s*(?:\n|$)"))
            if (!string.IsNullOrWhiteSpace(statement)) PgServer.Execute(Connection, statement);
    }

    public void Dispose()
    {
        Connection.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class TypesDatabase() : DecoderDatabase("decoder_types");

public sealed class ShapesDatabase() : DecoderDatabase("decoder_shapes");

public sealed class PropertyDatabase() : DecoderDatabase("decoder_property");

public sealed class FuzzDatabase() : DecoderDatabase("decoder_fuzz");

public sealed class PathsDatabase() : DecoderDatabase("decoder_paths");
