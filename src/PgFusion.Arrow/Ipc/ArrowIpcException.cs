using PgFusion.Types;

namespace PgFusion.Arrow.Ipc;

/// <summary>A value that the IPC type of its column cannot represent, or a batch that does not match the schema.</summary>
public sealed class ArrowIpcException : PgFusionException
{
    public ArrowIpcException(string sqlState, string message) : base(sqlState, message)
    {
    }

    public ArrowIpcException() : base("XX000", "Arrow IPC error")
    {
    }

    public ArrowIpcException(string message) : base("XX000", message)
    {
    }

    public ArrowIpcException(string message, Exception inner) : base(message, inner)
    {
    }
}
