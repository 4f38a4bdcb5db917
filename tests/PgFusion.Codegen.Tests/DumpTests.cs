using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Output;
using PgFusion.Planner.Binding;
using PgFusion.Types;
using Xunit;
using Xunit.Abstractions;
using static PgFusion.Codegen.Tests.Support.Q;

namespace PgFusion.Codegen.Tests;

/// <summary>The dumped C# of every kernel compiles with Roslyn and computes exactly what the compiled kernel computes.</summary>
[Collection(CodegenCollection.Name)]
public sealed class DumpTests(CodegenFixture fixture, ITestOutputHelper output)
{
    private static Assembly CompileWithRoslyn(IEnumerable<string> sources)
    {
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s)).ToArray();
        var refs = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat([typeof(QueryCompiler).Assembly.Location, typeof(RecordBatch).Assembly.Location, typeof(PgType).Assembly.Location])
            .Distinct()
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("DumpedKernels", trees, refs,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));
        using var ms = new MemoryStream();
        var result = compilation.Emit(ms);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)) + "\n" + string.Join("\n", sources));
        return Assembly.Load(ms.ToArray());
    }

    [Fact]
    public void Dumped_csharp_compiles_and_matches_the_compiled_kernels()
    {
        var pred = Or(And(F(147, "int4gt", PgType.Bool, Col("i4"), K(0, PgType.Int4)), Not(Col("b"))),
            F(850, "textlike", PgType.Bool, Col("s"), K("a%", PgType.Text)),
            new BoundNullTest(Col("n"), false));
        var plan = Project(Filter(Scan("t"), pred),
            ("id", Col("id")),
            ("a", F(179, "int42pl", PgType.Int4, Col("i4"), Col("i2"))),
            ("d", F(1724, "numeric_add", PgType.Numeric, Col("n"), K(new PgNumeric(125, 2), PgType.Numeric))),
            ("f", F(1258, "textcat", PgType.Text, Col("s"), Text(Col("v")))),
            ("k", new BoundCase([(F(146, "int2gt", PgType.Bool, Col("i2"), K((short)0, PgType.Int2)), K("pos", PgType.Text))], K("other", PgType.Text), PgType.Text)),
            ("l", new BoundCoalesce([Col("f8"), K(-1.5, PgType.Float8)], PgType.Float8)),
            ("m", F(1746, "float8", PgType.Float8, Col("n2"))),
            ("b", Col("b")),
            ("dt", F(1141, "date_pli", PgType.Date, Col("d"), K(1, PgType.Int4))),
            ("x", F(6202, "extract", PgType.Numeric, K("year", PgType.Text), Col("ts"))),
            ("tr", F(2020, "date_trunc", PgType.Timestamp, K("month", PgType.Text), Col("ts"))),
            ("u", F(871, "upper", PgType.Text, Col("s"))),
            ("sub", F(936, "substring", PgType.Text, Col("s"), K(2, PgType.Int4), K(3, PgType.Int4))));
        var compiled = new QueryCompiler().Compile(plan).Query!;
        var dump = compiled.Dump();
        output.WriteLine(dump.ToText());
        Assert.Equal(2, dump.Kernels.Count);
        var asm = CompileWithRoslyn(dump.Kernels.Select(k => k.CSharp));

        var nodes = ((Operators.CompiledPlan)compiled).Nodes().ToList();
        var filterNode = nodes.OfType<Operators.FilterNode>().Single();
        var projectNode = nodes.OfType<Operators.ProjectNode>().Single();
        var filterDump = dump.Kernels.Single(k => k.Name.EndsWith("filter", StringComparison.Ordinal));
        var projectDump = dump.Kernels.Single(k => k.Name.EndsWith("project", StringComparison.Ordinal));
        var roslynFilter = asm.GetType(filterDump.ClassName)!.GetMethod(filterDump.MethodName)!.CreateDelegate<FilterKernel>();
        var roslynProject = asm.GetType(projectDump.ClassName)!.GetMethod(projectDump.MethodName)!.CreateDelegate<ProjectKernel>();

        int compared = 0;
        foreach (int density in new[] { 0, 50, 100 })
        {
            foreach (var batch in fixture.Batches(density, 1024))
            {
                var ctx = new KernelContext();
                var sel1 = new int[batch.Length];
                var sel2 = new int[batch.Length];
                int n1 = filterNode.Kernel.Run(batch, sel1, ctx);
                int n2 = roslynFilter(batch, sel2, ctx);
                Assert.Equal(n1, n2);
                Assert.Equal(sel1[..n1], sel2[..n2]);
                var filtered = new RecordBatch(batch.Columns, batch.Length) { Selection = sel1, SelectedCount = n1 };
                var a = Run(projectNode.Kernel.Run, filtered, projectNode.OutputTypes);
                var b = Run(roslynProject, filtered, projectNode.OutputTypes);
                Assert.Equal(a, b);
                compared += a.Count;
            }
        }
        Assert.True(compared > 100, $"only {compared} rows compared");
    }

    private static List<string> Run(ProjectKernel kernel, RecordBatch input, IReadOnlyList<PgType> types)
    {
        var cols = types.Select(t => PgArrowMapping.CreateColumn(t, input.LiveRows)).ToArray();
        foreach (var c in cols) KernelColumns.Prepare(c, input.LiveRows);
        kernel(input, cols, new KernelContext());
        foreach (var c in cols) c.Length = input.LiveRows;
        var encoder = new MinimalTupleEncoder(types);
        return Enumerable.Range(0, input.LiveRows).Select(r => Convert.ToHexString(encoder.Encode(cols, r))).ToList();
    }

    [Fact]
    public void Kernel_cache_hits_on_the_same_shape()
    {
        var cache = new KernelCache();
        var compiler = new QueryCompiler(cache);
        var plan = Project(Filter(Scan("t"), F(147, "int4gt", PgType.Bool, F(177, "int4pl", PgType.Int4, Col("i4"), Col("id")), K(5, PgType.Int4))), ("id", F(177, "int4pl", PgType.Int4, Col("id"), K(1, PgType.Int4))));
        Assert.NotNull(compiler.Compile(plan).Query);
        Assert.Equal(2, cache.Compiles);
        Assert.NotNull(compiler.Compile(plan).Query);
        Assert.Equal(2, cache.Compiles);
        Assert.Equal(2, cache.Hits);
        var other = Project(Filter(Scan("t"), F(147, "int4gt", PgType.Bool, F(177, "int4pl", PgType.Int4, Col("i4"), Col("id")), K(6, PgType.Int4))), ("id", F(177, "int4pl", PgType.Int4, Col("id"), K(1, PgType.Int4))));
        Assert.NotNull(compiler.Compile(other).Query);
        Assert.Equal(3, cache.Compiles);
    }
    [Fact]
    public void A_vector_filter_compiles_its_whole_predicate_kernel_only_when_a_batch_needs_it()
    {
        var cache = new KernelCache();
        var plan = Project(Filter(Scan("t"), F(147, "int4gt", PgType.Bool, Col("i4"), K(5, PgType.Int4))), ("id", Col("id")));
        var compiled = new QueryCompiler(cache).Compile(plan).Query as Operators.CompiledPlan;
        Assert.NotNull(compiled);
        Assert.Equal(0, cache.Compiles); // the vector filter and a plain-column copy: nothing to jit
        var filter = compiled.Nodes().OfType<Operators.FilterNode>().Single();
        var columns = new Column[Support.TestTable.Columns.Length];
        var i4 = (PrimitiveColumn<int>)PgArrowMapping.CreateColumn(PgType.Int4, 8);
        for (int r = 0; r < 8; r++) i4.Values[r] = r;
        i4.Length = 8;
        columns[Support.TestTable.Index("i4")] = i4;
        // a batch with a selection vector is one the vector filter declines: the fallback compiles now
        var batch = new RecordBatch(columns, 8) { Selection = [1, 4, 6, 7], SelectedCount = 4 };
        var selection = new int[8];
        int passed = filter.Kernel.Run(batch, selection, new KernelContext());
        Assert.Equal([6, 7], selection[..passed]);
        Assert.Equal(1, cache.Compiles);
    }
}
