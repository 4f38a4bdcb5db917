using PgFusion.Planner;

namespace PgFusion.Codegen;

/// <summary>The compiler's entry point: a planned query -> compiled kernels wired into operators, or Unsupported.</summary>
public sealed class QueryCompiler
{
    public CompileResult Compile(PlannedQuery plan)
    {
        _ = plan;
        return CompileResult.Unsupported("code generator not built yet (walking skeleton in progress)");
    }
}
