using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Planner;
using PgFusion.Planner.Physical;
using PgFusion.Planner.Tests.Fixtures;
using PgFusion.Types;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.Codegen.Tests.Support;

/// <summary>
/// One operator query checked three ways: PostgreSQL's answer (the oracle), the compiled plan the
/// planner makes of the same SQL run over the fixture's batches of 1, 7, 1024 and 4096 rows (the
/// 3,000-row tables make 3,000, 429, 3 and 1 batches), and a reference answer the test computes
/// from the rows by nested loops / LINQ with PostgreSQL's NULL semantics. The query is planned and
/// compiled once per table and executed at every batch size, which keeps the grid cheap.
/// </summary>
public sealed class OperatorGrid(CodegenFixture fixture, ITestOutputHelper output)
{
    public static readonly int[] BatchSizes = [1, 7, 1024, 4096];

    /// <summary>
    /// Checks <paramref name="sqlTemplate"/> ({t} = the table of <paramref name="density"/> % NULLs).
    /// <paramref name="reference"/> computes the expected rows as PostgreSQL text from that table's
    /// rows; <paramref name="expectOperator"/> must hold for some node of the physical plan, so the
    /// grid tests the operator it names and not a fallback shape.
    /// </summary>
    public void Check(int density, string sqlTemplate, Func<IReadOnlyList<GridRow>, IEnumerable<string?[]>> reference,
        Func<PhysicalPlan, bool> expectOperator, bool ordered = false)
    {
        string sql = sqlTemplate.Replace("{t}", CodegenFixture.TableName(density), StringComparison.Ordinal);
        var planned = QueryPlanner.Plan(FixtureCapture.Capture(fixture.Connection, sql));
        Assert.True(planned.IsSupported, $"planner: {planned.UnsupportedReason}\n{sql}");
        var plan = planned.Plan!;
        Assert.True(Nodes(plan.Root).Any(expectOperator), $"the plan lacks the operator under test:\n{Describe(plan.Root, 0)}\n{sql}");
        var compiled = new QueryCompiler().Compile(plan);
        Assert.True(compiled.Query is not null, $"codegen: {compiled.UnsupportedReason}\n{sql}");
        var types = plan.ResultColumns.Select(c => c.Type).ToArray();

        string expected = Harness.Canonical(Harness.RunPostgres(fixture.Connection, sql, types.Length), ordered);
        string referenceRows = Harness.Canonical(new Outcome([.. reference(GridRow.Load(fixture, density))], null), ordered);
        var failures = new List<string>();
        Same(sql, "reference", expected, referenceRows, failures);
        foreach (int size in BatchSizes)
        {
            var sink = new CollectingSink();
            Outcome actual;
            try
            {
                compiled.Query!.Execute(new TableScans(fixture, density, size), sink, CancellationToken.None);
                actual = new Outcome([.. sink.Tuples.Select(t => MinimalTupleReader.Read(t, types).Select((v, i) => PgText.Format(v, types[i])).ToArray())], null);
            }
            catch (PgFusionException e)
            {
                actual = new Outcome(null, $"{e.SqlState}: {e.Message}");
            }
            Same(sql, $"compiled, batches of {size}", expected, Harness.Canonical(actual, ordered), failures);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Records (and writes out the first differing lines of) a result that differs from PostgreSQL's.</summary>
    private void Same(string sql, string what, string expected, string actual, List<string> failures)
    {
        if (expected == actual) return;
        output.WriteLine($"{what}: {sql}");
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (int i = 0, shown = 0; i < Math.Max(e.Length, a.Length) && shown < 10; i++)
        {
            string x = i < e.Length ? e[i] : "<none>", y = i < a.Length ? a[i] : "<none>";
            if (x == y) continue;
            output.WriteLine($"line {i}: postgres [{x}] {what} [{y}]");
            shown++;
        }
        failures.Add($"{what} differs from PostgreSQL ({e.Length} vs {a.Length} lines): {sql}");
    }

    /// <summary>The plan's node types (join kinds too), one a line, for failure messages.</summary>
    private static string Describe(PhysicalPlan node, int depth) =>
        new string(' ', depth * 2) + (node is PhysicalHashJoin j ? $"HashJoin {j.Kind}" : node.GetType().Name) + "\n"
        + string.Concat(node.Children.Select(c => Describe(c, depth + 1)));

    public static IEnumerable<PhysicalPlan> Nodes(PhysicalPlan root) => [root, .. root.Children.SelectMany(Nodes)];

    /// <summary>Serves a scan of t0/t50/t100 from the fixture's batches of one size, with the scan's columns only.</summary>
    private sealed class TableScans(CodegenFixture fixture, int density, int size) : IScanProvider
    {
        public IBatchSource OpenScan(PhysicalScan scan)
        {
            Assert.Equal(CodegenFixture.TableName(density), scan.Relation.Name);
            var batches = fixture.Batches(density, size)
                .Select(b => new RecordBatch([.. scan.AttNums.Select(a => b.Columns[a - 1])], b.Length))
                .ToList();
            return new ListScanProvider(batches).OpenScan(scan);
        }
    }
}
