namespace PgFusion.Codegen.Kernels;

/// <summary>
/// Raised inside the compiler when a construct cannot be compiled; QueryCompiler turns it into
/// CompileResult.Unsupported, so it never reaches a caller.
/// </summary>
public sealed class UnsupportedException : Exception
{
    public UnsupportedException(string reason) : base(reason)
    {
    }

    public UnsupportedException()
    {
    }

    public UnsupportedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
