using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators;
using PgFusion.Planner;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// Which parts of a filter a scan may apply while it decodes (late materialization): one stage
/// per column from the VectorFilter-covered comparisons, none behind a conjunct that can raise,
/// none when the plan expects the filter to keep most rows; and the compiler hands them to the
/// scan under a filter, fused into an aggregate or not.
/// </summary>
public sealed class ScanPrefilterTests
{
    private static readonly PgType Numeric152 = new(PgTypeOid.Numeric, ((15 << 16) | 2) + 4);

    private static readonly PgType Char10 = new(PgTypeOid.Bpchar, 10 + 4);

    private static readonly PhysicalScan Scan = MakeScan();

    private static PhysicalScan MakeScan()
    {
        (string Name, PgType Type)[] cols = [("ship", PgType.Date), ("disc", Numeric152), ("qty", Numeric152), ("price", Numeric152), ("k", PgType.Int4), ("commit", PgType.Date), ("mode", Char10), ("note", PgType.Text)];
        var relation = new RelationLayout(1, "l", [.. cols.Select((c, i) => new AttributeLayout(i + 1, c.Name, c.Type, 0, false, 'i', false, false, false, null))], 1000, 100000);
        return new PhysicalScan(0, 1, relation, [.. Enumerable.Range(1, cols.Length)], [.. cols.Select(c => new OutputColumn(c.Name, c.Type))], 100000);
    }

    private static BoundColumnRef Col(int i) => new(i, Scan.Output[i].Type, Scan.Output[i].Name);

    private static BoundFuncCall F(uint oid, PgType t, params BoundExpr[] a) => new(oid, "f" + oid, a, t);

    private static BoundExpr ShipFrom => F(1090, PgType.Bool, Col(0), new BoundConst(-2191, PgType.Date));

    private static BoundExpr ShipTo => F(1087, PgType.Bool, Col(0), new BoundConst(-1826, PgType.Date));

    private static BoundExpr DiscFrom => F(1721, PgType.Bool, Col(1), new BoundConst(new PgNumeric(5, 2), PgType.Numeric));

    private static BoundExpr QtyBelow => F(1722, PgType.Bool, Col(2), new BoundConst(new PgNumeric(24, 0), PgType.Numeric));

    /// <summary>10 / k &gt; 0: raises on k = 0.</summary>
    private static BoundExpr Raising => F(147, PgType.Bool, F(154, PgType.Int4, new BoundConst(10, PgType.Int4), Col(4)), new BoundConst(0, PgType.Int4));

    /// <summary>ship &lt; commit: two columns, never raises, no stage.</summary>
    private static BoundExpr ShipBeforeCommit => F(1087, PgType.Bool, Col(0), Col(5));

    /// <summary>mode = ANY ('MAIL', 'SHIP') (bpchareq, an IN list).</summary>
    private static BoundExpr ModeIn => new BoundBoolExpr(BoolOp.Or, [
        F(1048, PgType.Bool, Col(6), new BoundConst("MAIL", Char10)),
        F(1048, PgType.Bool, Col(6), new BoundConst("SHIP", Char10))]) { FromScalarArray = true };

    /// <summary>note = 'x' (texteq).</summary>
    private static BoundExpr NoteIs(string value) => F(67, PgType.Bool, Col(7), new BoundConst(value, PgType.Text));

    private static PhysicalFilter Filter(double keptRows, params BoundExpr[] conjuncts) =>
        new(Scan, conjuncts.Length == 1 ? conjuncts[0] : new BoundBoolExpr(BoolOp.And, conjuncts), keptRows);

    [Fact]
    public void Q6_shape_gives_one_stage_per_column_in_predicate_order()
    {
        var prefilter = ScanPrefilter.TryCreate(Scan, Filter(2000, ShipFrom, ShipTo, DiscFrom, QtyBelow));
        Assert.NotNull(prefilter);
        Assert.Equal([0, 1, 2], prefilter.Stages.Select(s => s.Column));
        Assert.Equal(0.02, prefilter.EstimatedSelectivity, 6);
        Assert.Contains("ship", prefilter.Stages[0].Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_filter_expected_to_keep_most_rows_gets_none()
    {
        Assert.Null(ScanPrefilter.TryCreate(Scan, Filter(60000, ShipFrom, ShipTo)));
        Assert.NotNull(ScanPrefilter.TryCreate(Scan, Filter(50000, ShipFrom, ShipTo)));
    }

    [Fact]
    public void No_stage_comes_from_behind_a_conjunct_that_can_raise()
    {
        Assert.Null(ScanPrefilter.TryCreate(Scan, Filter(100, Raising, ShipFrom, ShipTo)));
        var before = ScanPrefilter.TryCreate(Scan, Filter(100, ShipFrom, Raising, DiscFrom));
        Assert.NotNull(before);
        Assert.Equal([0], before.Stages.Select(s => s.Column));
    }

    [Fact]
    public void Comparisons_of_two_columns_never_raise_and_do_not_stop_the_stages()
    {
        Assert.True(ScanPrefilter.NeverRaises(ShipBeforeCommit));
        Assert.False(ScanPrefilter.NeverRaises(Raising));
        var prefilter = ScanPrefilter.TryCreate(Scan, Filter(100, ShipBeforeCommit, ShipFrom, ShipTo));
        Assert.NotNull(prefilter);
        Assert.Equal([0], prefilter.Stages.Select(s => s.Column));
    }

    [Fact]
    public void A_stage_keeps_the_rows_its_comparisons_pass_and_declines_batches_with_nulls()
    {
        var stage = ScanPrefilter.TryCreate(Scan, Filter(100, ShipFrom, ShipTo))!.Stages[0];
        var columns = Scan.Output.Select(o => PgFusion.Arrow.PgArrowMapping.CreateColumn(o.Type, 8)).ToArray();
        var ship = (PgFusion.Arrow.PrimitiveColumn<int>)columns[0];
        int[] days = [-2200, -2191, -2000, -1826, -1827, 0];
        for (int r = 0; r < days.Length; r++) ship.Values[r] = days[r];
        foreach (var c in columns) c.Length = days.Length;
        var selection = new int[days.Length];
        int n = stage.Select(new PgFusion.Arrow.RecordBatch(columns, days.Length), selection);
        Assert.Equal([1, 2, 4], selection[..n]);
        ship.EnsureValidity(8).SetNull(3);
        Assert.Equal(-1, stage.Select(new PgFusion.Arrow.RecordBatch(columns, days.Length), selection));
    }

    [Fact]
    public void The_compiler_hands_the_stages_to_the_scan_under_a_filter_fused_or_not()
    {
        var filter = Filter(2000, ShipFrom, ShipTo, DiscFrom, QtyBelow);
        var project = new PhysicalProject(filter, [Col(3)], [new OutputColumn("price", Numeric152)]);
        Assert.NotNull(FindScan(Compile(project)).Prefilter);

        BoundAggregate[] aggs = [new(2803, "count", [], false, null, PgType.Int8)];
        var aggregate = new PhysicalHashAggregate(filter, [], aggs, [new OutputColumn("n", PgType.Int8)], 1);
        Assert.NotNull(FindScan(Compile(aggregate)).Prefilter);

        var broad = new PhysicalProject(Filter(90000, ShipFrom), [Col(3)], [new OutputColumn("price", Numeric152)]);
        Assert.Null(FindScan(Compile(broad)).Prefilter);
    }

    [Fact]
    public void An_in_list_of_comparisons_never_raises_and_does_not_stop_the_stages()
    {
        Assert.True(ScanPrefilter.NeverRaises(ModeIn));
        var raisingList = new BoundBoolExpr(BoolOp.Or, [Raising, ShipFrom]) { FromScalarArray = true };
        Assert.False(ScanPrefilter.NeverRaises(raisingList));
        Assert.False(ScanPrefilter.NeverRaises(new BoundBoolExpr(BoolOp.Or, [ShipFrom, ShipTo])));
        // Q12's shape: the IN list first, a comparison of two columns, then the date range
        var prefilter = ScanPrefilter.TryCreate(Scan, Filter(100, ModeIn, ShipBeforeCommit, ShipFrom, ShipTo));
        Assert.NotNull(prefilter);
        Assert.Equal([6, 0], prefilter.Stages.Select(s => s.Column));
        Assert.Contains("MAIL", prefilter.Stages[0].Description, StringComparison.Ordinal);
        // behind a raising IN list, nothing
        Assert.Null(ScanPrefilter.TryCreate(Scan, Filter(100, raisingList, ShipFrom)));
    }

    [Fact]
    public void Text_stages_keep_the_rows_the_kernel_keeps_and_drop_nulls()
    {
        var prefilter = ScanPrefilter.TryCreate(Scan, Filter(100, ModeIn, NoteIs("a b"), NoteIs("a b  ")));
        Assert.NotNull(prefilter);
        Assert.Equal([6, 7], prefilter.Stages.Select(s => s.Column));
        var columns = Scan.Output.Select(o => PgFusion.Arrow.PgArrowMapping.CreateColumn(o.Type, 8)).ToArray();
        var mode = (PgFusion.Arrow.VarBinaryColumn)columns[6];
        var note = (PgFusion.Arrow.VarBinaryColumn)columns[7];
        // bpchar keeps its padding in the batch; bpchareq ignores trailing spaces, texteq does not
        string[] modes = ["MAIL      ", "SHIP      ", "AIR       ", "", "MAI       ", "SHIP      "];
        string[] notes = ["a b", "a b  ", "a b", "a b", "A B", "a b"];
        for (int r = 0; r < modes.Length; r++)
        {
            mode.Append(System.Text.Encoding.UTF8.GetBytes(modes[r]));
            note.Append(System.Text.Encoding.UTF8.GetBytes(notes[r]));
        }
        foreach (var c in columns) c.Length = modes.Length;
        mode.EnsureValidity(8).SetNull(5);
        var selection = new int[modes.Length];
        var batch = new PgFusion.Arrow.RecordBatch(columns, modes.Length);
        int n = prefilter.Stages[0].Select(batch, selection);
        Assert.Equal([0, 1], selection[..n]);
        // 'a b' AND 'a b  ' under texteq: no value is both
        Assert.Equal(0, prefilter.Stages[1].Select(batch, selection));
        var one = ScanPrefilter.TryCreate(Scan, Filter(100, NoteIs("a b")))!.Stages[0];
        n = one.Select(batch, selection);
        Assert.Equal([0, 2, 3, 5], selection[..n]);
        // a batch with a selection vector is not the stage's: every row is kept
        Assert.Equal(-1, one.Select(new PgFusion.Arrow.RecordBatch(columns, modes.Length) { Selection = [0], SelectedCount = 1 }, selection));
    }

    [Fact]
    public void Text_comparisons_other_than_equality_give_no_stage()
    {
        var below = F(1049, PgType.Bool, Col(6), new BoundConst("MAIL", Char10)); // bpcharlt
        Assert.True(ScanPrefilter.NeverRaises(below));
        Assert.Null(ScanPrefilter.TryCreate(Scan, Filter(100, below)));
        var notIn = new BoundBoolExpr(BoolOp.And, [
            F(1053, PgType.Bool, Col(6), new BoundConst("MAIL", Char10)),
            F(1053, PgType.Bool, Col(6), new BoundConst("SHIP", Char10))]) { FromScalarArray = true };
        Assert.True(ScanPrefilter.NeverRaises(notIn));
        Assert.Null(ScanPrefilter.TryCreate(Scan, Filter(100, notIn)));
    }

    private static OperatorNode Compile(PhysicalPlan root)
    {
        var result = new QueryCompiler(new Kernels.KernelCache()).Compile(new PlannedQuery(root, root.Output, ""));
        Assert.True(result.Query is not null, result.UnsupportedReason);
        return ((CompiledPlan)result.Query!).Root;
    }

    private static ScanNode FindScan(OperatorNode node) =>
        node as ScanNode ?? node.Children.Select(FindScan).First();
}
