namespace PgFusion.Codegen.Execution;

/// <summary>Receives result rows, each a complete PostgreSQL MinimalTuple (docs/ipc.md, POSTGRES_FORMATS.md).</summary>
public interface IResultSink
{
    void WriteTuple(ReadOnlySpan<byte> minimalTuple);
}
