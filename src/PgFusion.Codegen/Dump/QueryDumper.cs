using System.Reflection;
using System.Text;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators;

namespace PgFusion.Codegen.Dump;

/// <summary>One kernel of a compiled query, printed.</summary>
/// <param name="Name">Operator path and kernel role, e.g. "1.filter".</param>
/// <param name="ClassName">The class the C# source declares; its one method is <paramref name="MethodName"/>.</param>
/// <param name="CSharp">Compilable C# (Roslyn) equivalent to the compiled kernel.</param>
/// <param name="DebugView">System.Linq.Expressions' own debug view of the tree.</param>
/// <param name="Il">The IL the kernel runs (for a fixed-scale numeric kernel, its fixed and general variants), from <see cref="IlDisassembler"/>.</param>
public sealed record KernelDump(string Name, string ClassName, string MethodName, string CSharp, string DebugView, TimeSpan CompileTime, string CacheKey, string Il);

/// <summary>The compile-and-dump output of one query: the physical plan text and each kernel.</summary>
public sealed record QueryDump(string Plan, IReadOnlyList<KernelDump> Kernels)
{
    /// <summary>The plan, then each kernel as C# and (with <paramref name="il"/>) as IL; <paramref name="timings"/> off for golden files.</summary>
    public string ToText(bool il = true, bool timings = true)
    {
        var sb = new StringBuilder();
        sb.AppendLine("== physical plan ==").AppendLine(Plan);
        foreach (var k in Kernels)
        {
            sb.AppendLine(timings ? $"== kernel {k.Name} (compiled in {k.CompileTime.TotalMilliseconds:0.###} ms) ==" : $"== kernel {k.Name} ==");
            sb.AppendLine(k.CSharp);
            if (il) sb.AppendLine($"== kernel {k.Name}: IL ==").Append(k.Il);
        }
        return sb.ToString();
    }
}

/// <summary>
/// Compile-and-dump: <c>QueryDumper.Dump(compiledQuery)</c> (a CompiledQuery from QueryCompiler.Compile)
/// gives the plan and every kernel as C# and as the expression tree's debug view.
/// </summary>
public static class QueryDumper
{
    private static readonly PropertyInfo? DebugViewProperty =
        typeof(System.Linq.Expressions.Expression).GetProperty("DebugView", BindingFlags.NonPublic | BindingFlags.Instance);

    public static QueryDump Dump(CompiledQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query is not CompiledPlan plan) return new QueryDump(query.Explain, []);
        var kernels = new List<KernelDump>();
        int n = 0;
        foreach (var node in plan.Nodes())
        {
            n++;
            foreach (var k in node.Kernels)
            {
                string cls = $"Kernel{n}_{Pascal(k.Name)}";
                string method = k.Source.ReturnType == typeof(int) ? "Filter" : "Project";
                string il = string.Concat(KernelVariants.Of(k.Compiled).Select(v =>
                    (v.Variant.Length > 0 ? $"// {v.Variant} variant\n" : "") + IlDisassembler.Disassemble(v.Compiled)));
                kernels.Add(new KernelDump($"{n}.{k.Name}", cls, method, CSharpPrinter.Print(k.Source, cls, method),
                    DebugViewProperty?.GetValue(k.Source) as string ?? k.Source.ToString(), k.CompileTime, k.CacheKey, il));
            }
        }
        return new QueryDump(plan.Explain, kernels);
    }

    private static string Pascal(string s) => string.Concat(s.Split('_').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
}
