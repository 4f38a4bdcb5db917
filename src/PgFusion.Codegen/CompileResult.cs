namespace PgFusion.Codegen;

/// <summary>A compiled query, or Unsupported with the construct the compiler cannot handle.</summary>
public sealed record CompileResult(CompiledQuery? Query, string? UnsupportedReason)
{
    public static CompileResult Ok(CompiledQuery query) => new(query, null);

    public static CompileResult Unsupported(string reason) => new(null, reason);
}
