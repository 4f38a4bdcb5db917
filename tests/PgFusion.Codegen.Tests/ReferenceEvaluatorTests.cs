using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Tests.Support;
using PgFusion.Planner.Binding;
using PgFusion.Types;
using Xunit;
using static PgFusion.Codegen.Tests.Support.Q;

namespace PgFusion.Codegen.Tests;

/// <summary>Compiled kernels vs the row-at-a-time reference evaluator, errors included.</summary>
[Collection(CodegenCollection.Name)]
public sealed class ReferenceEvaluatorTests(CodegenFixture fixture)
{
    public static TheoryData<int, int> Shapes() => DifferentialTests.Shapes();

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Compiled_projection_equals_reference_evaluator(int density, int size)
    {
        BoundExpr[] exprs =
        [
            And(F(147, "int4gt", PgType.Bool, Col("i4"), K(0, PgType.Int4)), Or(Col("b"), F(64, "int2lt", PgType.Bool, Col("i2"), K((short)0, PgType.Int2)))),
            F(1726, "numeric_mul", PgType.Numeric, Col("n"), Col("n2")),
            F(1727, "numeric_div", PgType.Numeric, Col("n2"), K(new PgNumeric(3, 0), PgType.Numeric)),
            F(218, "float8pl", PgType.Float8, Col("f8"), F(311, "float8", PgType.Float8, Col("f4"))),
            F(850, "textlike", PgType.Bool, Col("s"), K("%a%", PgType.Text)),
            new BoundCase([(new BoundNullTest(Col("i8"), false), K(1L, PgType.Int8))], F(465, "int8mul", PgType.Int8, Col("i8"), K(3L, PgType.Int8)), PgType.Int8),
            F(1279, "int48mi", PgType.Int8, Col("i4"), Col("i8")),
        ];
        var types = TestTable.Columns.Select(c => c.Type).ToArray();
        var kernel = KernelBuilder.Project("p", types, exprs, new KernelCache());
        var reference = new ReferenceEvaluator(new KernelContext());
        var outTypes = exprs.Select(e => e.Type).ToArray();
        foreach (var batch in fixture.Batches(density, size))
        {
            var cols = outTypes.Select(t => PgArrowMapping.CreateColumn(t, batch.Length)).ToArray();
            foreach (var c in cols) KernelColumns.Prepare(c, batch.Length);
            kernel.Run(batch, cols, new KernelContext());
            foreach (var c in cols) c.Length = batch.Length;
            for (int r = 0; r < batch.Length; r++)
            {
                for (int e = 0; e < exprs.Length; e++)
                {
                    var expected = reference.Evaluate(exprs[e], batch.Columns, r);
                    var actual = new ReferenceEvaluator(new KernelContext()).Evaluate(new BoundColumnRef(e, outTypes[e], "x"), cols, r);
                    Assert.Equal(Show(expected), Show(actual));
                }
            }
        }
    }

    private static string Show(object? v) => v switch
    {
        null => "NULL",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => v.ToString()!,
    };
}
