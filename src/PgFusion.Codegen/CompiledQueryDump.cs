using PgFusion.Codegen.Dump;

namespace PgFusion.Codegen;

/// <summary>Dump() on any CompiledQuery: the plan and its kernels as C# (see <see cref="QueryDumper"/>).</summary>
public static class CompiledQueryDump
{
    public static QueryDump Dump(this CompiledQuery query) => QueryDumper.Dump(query);
}
