using System.Linq.Expressions;
using PgFusion.Codegen.Dump;
using PgFusion.Codegen.Kernels;
using PgFusion.TestSupport.Slt;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// Golden compile-and-dump files: for a few captured queries (the Planner fixtures' JSON, and
/// TPC-H Q1, Q6 and Q3 as the hook sends them, perf/tpch-json), the whole text `pgfusion dump`
/// prints (bound, optimized and physical plans, every kernel as C# and IL) without timings equals
/// tests/PgFusion.Codegen.Tests/Golden/&lt;name&gt;.dump.txt. A change to the planner, the kernels or
/// the printers shows up here as a readable diff. PGFUSION_REGEN_FIXTURES=1 rewrites the files.
/// </summary>
public sealed class GoldenDumpTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "filter_project", "tests/PgFusion.Planner.Tests/Fixtures/filter_project.json" },
        { "group_having_order_limit", "tests/PgFusion.Planner.Tests/Fixtures/group_having_order_limit.json" },
        { "join_inner", "tests/PgFusion.Planner.Tests/Fixtures/join_inner.json" },
        { "tpch_q01", "perf/tpch-json/q01.json" },
        { "tpch_q06", "perf/tpch-json/q06.json" },
        { "tpch_q03", "perf/tpch-json/q03.json" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dump_equals_the_golden_file(string name, string jsonPath)
    {
        string root = SltCorpus.RepositoryRoot();
        byte[] json = File.ReadAllBytes(Path.Combine(root, jsonPath));
        var dump = CompileAndDump.Run(json);
        Assert.Null(dump.UnsupportedReason);
        string text = dump.ToText(everyRule: false, il: true, timings: false);
        string golden = Path.Combine(root, "tests", "PgFusion.Codegen.Tests", "Golden", name + ".dump.txt");
        if (Environment.GetEnvironmentVariable("PGFUSION_REGEN_FIXTURES") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(golden)!);
            File.WriteAllText(golden, text);
        }
        Assert.True(File.Exists(golden), $"{golden} is missing; PGFUSION_REGEN_FIXTURES=1 writes it");
        Assert.Equal(File.ReadAllText(golden), text);
    }

    /// <summary>pg_fusion_explain's text says how many kernels a query compiled and how many it took from the kernel cache.</summary>
    [Fact]
    public void The_dump_counts_kernels_compiled_and_taken_from_the_cache()
    {
        byte[] json = File.ReadAllBytes(Path.Combine(SltCorpus.RepositoryRoot(), "perf", "tpch-json", "q06.json"));
        var cache = new KernelCache();
        var cold = CompileAndDump.Run(json, cache: cache);
        Assert.True(cold.KernelCacheUse.Compiled > 0, "the first compile builds its kernels");
        Assert.Equal(0, cold.KernelCacheUse.FromCache);
        Assert.Equal(cache.Compiles, cold.KernelCacheUse.Compiled);
        var warm = CompileAndDump.Run(json, cache: cache);
        Assert.Equal(0, warm.KernelCacheUse.Compiled);
        Assert.Equal(cold.KernelCacheUse.Compiled, warm.KernelCacheUse.FromCache);
        Assert.Equal(cache.Hits, warm.KernelCacheUse.FromCache);
        Assert.Contains($"== kernel cache: 0 kernels compiled, {warm.KernelCacheUse.FromCache} taken from the cache ==", warm.ToText(), StringComparison.Ordinal);
        Assert.DoesNotContain("== kernel cache:", warm.ToText(timings: false), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_kernel_of_a_tpch_query_is_dumped_as_csharp_and_as_il()
    {
        byte[] json = File.ReadAllBytes(Path.Combine(SltCorpus.RepositoryRoot(), "perf", "tpch-json", "q01.json"));
        var dump = CompileAndDump.Run(json);
        Assert.NotNull(dump.Compiled);
        Assert.NotEmpty(dump.Compiled.Kernels);
        int generated = 0;
        foreach (var k in dump.Compiled.Kernels)
        {
            Assert.Contains($"public static class {k.ClassName}", k.CSharp, StringComparison.Ordinal);
            if (k.Il.StartsWith("// no IL generated: the kernel copies plain columns", StringComparison.Ordinal))
            {
                // Q1's sort keys are plain columns: ColumnCopyKernel runs them, nothing is jitted
                Assert.EndsWith("sort_keys", k.Name, StringComparison.Ordinal);
                continue;
            }
            generated++;
            Assert.StartsWith("IL_0000: ", IlLines(k.Il).First(), StringComparison.Ordinal);
            Assert.EndsWith("ret", IlLines(k.Il).Last(), StringComparison.Ordinal);
            Assert.DoesNotContain("IL unavailable", k.Il, StringComparison.Ordinal);
        }
        Assert.True(generated >= 2, $"{generated} kernels with IL");
        string text = dump.ToText();
        Assert.Contains("== logical plan after bind ==", text, StringComparison.Ordinal);
        Assert.Contains("== planner's physical plan ==", text, StringComparison.Ordinal);
        Assert.Matches(@"== timing: plan [0-9.]+ ms, plan\+compile [0-9.]+ ms ==", text);
    }

    [Fact]
    public void Il_names_the_methods_fields_and_branch_targets_the_kernel_uses()
    {
        var a = Expression.Parameter(typeof(string), "a");
        var n = Expression.Parameter(typeof(int), "n");
        var body = Expression.Condition(
            Expression.GreaterThan(n, Expression.Constant(3)),
            Expression.Call(a, typeof(string).GetMethod(nameof(string.Substring), [typeof(int)])!, n),
            Expression.Constant("short"));
        var compiled = Expression.Lambda<Func<string, int, string>>(body, a, n).Compile();
        string il = IlDisassembler.Disassemble(compiled);
        Assert.Contains("callvirt String::Substring(Int32)", il, StringComparison.Ordinal);
        Assert.Contains("ldstr \"short\"", il, StringComparison.Ordinal);
        Assert.Matches(@"(brfalse|brtrue|ble|bgt)(\.s)? IL_[0-9A-F]{4}", il);
        Assert.Equal("o", compiled("hello", 4));
        Assert.Equal("short", compiled("hello", 2));
    }

    [Fact]
    public void A_delegate_that_is_not_a_compiled_tree_is_named_not_disassembled()
    {
        Func<int, int> plain = x => x + 1;
        Assert.StartsWith("// IL unavailable:", IlDisassembler.Disassemble(plain), StringComparison.Ordinal);
    }

    private static IEnumerable<string> IlLines(string il) =>
        il.Split('\n').Where(l => l.StartsWith("IL_", StringComparison.Ordinal) && !l.Contains("variant", StringComparison.Ordinal));
}
