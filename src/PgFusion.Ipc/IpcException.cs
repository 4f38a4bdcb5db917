namespace PgFusion.Ipc;

/// <summary>A broken protocol or layout: bad magic/version, a message over the limit, an unknown type.</summary>
public sealed class IpcException : Exception
{
    public IpcException(string message)
        : base(message)
    {
    }

    public IpcException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public IpcException()
    {
    }
}
