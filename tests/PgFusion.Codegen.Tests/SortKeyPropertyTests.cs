using FsCheck;
using FsCheck.Fluent;
using PgFusion.Codegen.Tests.Support;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;
using PgFusion.Types;
using Xunit;
using Xunit.Abstractions;
using static PgFusion.Codegen.Tests.Support.Q;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// ORDER BY over the normalized keys vs PostgreSQL's ORDER BY, on random key lists: one to three
/// keys of every sortable type (float NaN/Infinity/-0, numeric NaN/±Infinity and per-value scales,
/// text under the C collation, bpchar, a computed text longer than the 16-byte prefix so ties go
/// to the full comparison), each ASC or DESC and NULLS FIRST or LAST, at NULL densities 0, 50 and
/// 100 %, batch sizes 1 to 4096, with and without a top-N limit; id ends the key list so that
/// PostgreSQL's order is deterministic. Each case comes from one seed, which FsCheck prints on failure.
/// </summary>
[Collection(CodegenCollection.Name)]
public sealed class SortKeyPropertyTests(CodegenFixture fixture, ITestOutputHelper output)
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(60);
    private static Arbitrary<int> Seeds => Arb.From(Gen.Choose(0, int.MaxValue));

    private static readonly (string Sql, Func<BoundExpr> Expr)[] KeyChoices =
    [
        ("i2", () => Col("i2")),
        ("i4", () => Col("i4")),
        ("i8", () => Col("i8")),
        ("f4", () => Col("f4")),
        ("f8", () => Col("f8")),
        ("n", () => Col("n")),
        ("n2", () => Col("n2")),
        ("s COLLATE \"C\"", () => Col("s")),
        ("v COLLATE \"C\"", () => Col("v")),
        ("bp COLLATE \"C\"", () => Col("bp")),
        ("d", () => Col("d")),
        ("ts", () => Col("ts")),
        ("b", () => Col("b")),
        ("(s || '-a-long-shared-middle-' || v) COLLATE \"C\"",
            () => F(1258, "textcat", PgType.Text, F(1258, "textcat", PgType.Text, Col("s"), K("-a-long-shared-middle-", PgType.Text)), Text(Col("v")))),
        ("i2 % 3", () => F(155, "int2mod", PgType.Int2, Col("i2"), K((short)3, PgType.Int2))),
    ];

    [Fact]
    public void Random_key_lists_order_as_postgres()
    {
        int shown = 0;
        Check.One(Runs, Prop.ForAll(Seeds, seed =>
        {
            if (shown++ < 5) output.WriteLine($"seed {seed}");
            return SameOrder(seed);
        }));
    }

    private bool SameOrder(int seed)
    {
        var rnd = new Random(seed);
        int density = new[] { 0, 50, 100 }[rnd.Next(3)];
        int size = new[] { 1, 7, 1024, 4096 }[rnd.Next(4)];
        int keyCount = rnd.Next(1, 4);
        var keys = new List<SortKey>();
        var sql = new List<string>();
        var columns = new List<(string, BoundExpr)> { ("id", Col("id")) };
        var selected = new List<string> { "id" };
        for (int k = 0; k < keyCount; k++)
        {
            var (text, expr) = KeyChoices[rnd.Next(KeyChoices.Length)];
            bool desc = rnd.Next(2) == 0, nullsFirst = rnd.Next(2) == 0;
            keys.Add(new SortKey(expr(), desc, nullsFirst));
            sql.Add($"{text}{(desc ? " DESC" : "")} NULLS {(nullsFirst ? "FIRST" : "LAST")}");
            columns.Add(($"k{k}", expr()));
            selected.Add(text);
        }
        bool idDesc = rnd.Next(2) == 0;
        keys.Add(new SortKey(Col("id"), idDesc, false));
        sql.Add(idDesc ? "id DESC" : "id");
        long? limit = rnd.Next(3) == 0 ? new long[] { 1, 10, 500 }[rnd.Next(3)] : null;
        PhysicalPlan sort = new PhysicalSort(Scan("t"), keys, limit);
        if (limit is { } l) sort = new PhysicalLimit(sort, 0, l);
        var plan = Project(sort, [.. columns]);
        string query = $"SELECT {string.Join(", ", selected)} FROM {CodegenFixture.TableName(density)} ORDER BY {string.Join(", ", sql)}"
            + (limit is { } n ? $" LIMIT {n}" : "");
        var expected = Harness.Canonical(Harness.RunPostgres(fixture.Connection, query, columns.Count), ordered: true);
        var actual = Harness.Canonical(Harness.RunCompiled(plan, fixture.Batches(density, size)), ordered: true);
        if (expected != actual)
        {
            output.WriteLine($"seed {seed}: {query} (batch size {size})");
            var e = expected.Split('\n');
            var a = actual.Split('\n');
            for (int i = 0, shownLines = 0; i < Math.Max(e.Length, a.Length) && shownLines < 8; i++)
            {
                string x = i < e.Length ? e[i] : "<none>", y = i < a.Length ? a[i] : "<none>";
                if (x == y) continue;
                output.WriteLine($"line {i}: postgres [{x}] pgfusion [{y}]");
                shownLines++;
            }
        }
        return expected == actual;
    }
}
