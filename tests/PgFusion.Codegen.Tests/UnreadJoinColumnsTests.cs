using PgFusion.Codegen.Operators.Join;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// UnreadJoinColumns: the inner joins' output columns nothing above reads (TPC-H Q9's p_name, read
/// only by the filter under the first join), and the columns that must stay: keys read by a join
/// above, a residual's columns, sort keys, every column under an operator whose reads are not
/// known (an aggregate), and the root's.
/// </summary>
public sealed class UnreadJoinColumnsTests
{
    private static PhysicalScan Scan(int id, params (string Name, PgType Type)[] cols)
    {
        var relation = new RelationLayout((uint)(id + 1), $"t{id}", [.. cols.Select((c, i) => new AttributeLayout(i + 1, c.Name, c.Type, 0, false, 'i', false, false, false, null))], 100, 1000);
        return new PhysicalScan(id, id + 1, relation, [.. Enumerable.Range(1, cols.Length)], [.. cols.Select(c => new OutputColumn(c.Name, c.Type))], 1000);
    }

    private static BoundColumnRef Col(PhysicalPlan p, int i) => new(i, p.Output[i].Type, p.Output[i].Name);

    private static BoundExpr Eq(BoundExpr a, BoundExpr b) => new BoundFuncCall(65, "int4eq", [a, b], PgType.Bool);

    private static PhysicalHashJoin Join(PhysicalPlan probe, PhysicalPlan build, int probeKey, int buildKey, bool buildIsLeft, BoundExpr? residual = null) =>
        new(probe, build, HashJoinKind.Inner, [Col(probe, probeKey)], [Col(build, buildKey)], residual, buildIsLeft,
            buildIsLeft ? [.. build.Output, .. probe.Output] : [.. probe.Output, .. build.Output], 1000);

    // part (p_partkey, p_name) under a filter on p_name, built; lineitem (l_partkey, l_qty) probes
    private static readonly PhysicalScan Part = Scan(0, ("p_partkey", PgType.Int4), ("p_name", PgType.Text));
    private static readonly PhysicalScan Lineitem = Scan(1, ("l_partkey", PgType.Int4), ("l_qty", PgType.Int4));
    private static readonly PhysicalFilter Green = new(Part, new BoundFuncCall(1209, "textlike", [Col(Part, 1), new BoundConst("%green%", PgType.Text)], PgType.Bool), 100);

    [Fact]
    public void A_column_read_only_below_the_join_is_unread_and_the_projected_one_is_read()
    {
        // output: p_partkey, p_name, l_partkey, l_qty (build on the left)
        var join = Join(Lineitem, Green, 0, 0, buildIsLeft: true);
        var project = new PhysicalProject(join, [Col(join, 3)], [new OutputColumn("l_qty", PgType.Int4)]);
        var unread = UnreadJoinColumns.Of(project);
        Assert.Equal([true, true, true, false], unread[join]);
    }

    [Fact]
    public void Keys_of_the_join_above_and_a_residual_keep_their_columns()
    {
        var orders = Scan(2, ("o_orderkey", PgType.Int4), ("o_note", PgType.Text));
        // lower: p_partkey, p_name, l_partkey, l_qty; upper probes it with o_orderkey = l_qty, residual reads p_name
        var lower = Join(Lineitem, Green, 0, 0, buildIsLeft: true);
        var residual = new BoundNullTest(new BoundColumnRef(1, PgType.Text, "p_name"), IsNotNull: true);
        var upper = Join(orders, lower, 0, 3, buildIsLeft: true, residual);
        // upper output: lower's 4 then o_orderkey, o_note; the projection reads o_note only
        var project = new PhysicalProject(upper, [Col(upper, 5)], [new OutputColumn("o_note", PgType.Text)]);
        var unread = UnreadJoinColumns.Of(project);
        Assert.Equal([true, false, true, true, true, false], unread[upper]);
        // the lower join's p_name is read by the upper residual and l_qty by the upper key (unread in the upper output)
        Assert.Equal([true, false, true, false], unread[lower]);
    }

    [Fact]
    public void Sort_keys_an_unknown_reader_and_the_root_keep_every_column_they_see()
    {
        var join = Join(Lineitem, Green, 0, 0, buildIsLeft: false);
        // root: every column read
        Assert.False(UnreadJoinColumns.Of(join).ContainsKey(join));
        // an aggregate over the join: its reads are not known here, so all stay
        var agg = new PhysicalHashAggregate(join, [Col(join, 1)], [], [new OutputColumn("l_qty", PgType.Int4)], 10);
        Assert.False(UnreadJoinColumns.Of(new PhysicalProject(agg, [Col(agg, 0)], [new OutputColumn("l_qty", PgType.Int4)])).ContainsKey(join));
        // a sort key keeps its column; the projection reads another
        var sort = new PhysicalSort(join, [new SortKey(Col(join, 3), false, false)], null);
        var project = new PhysicalProject(sort, [Col(sort, 1)], [new OutputColumn("l_qty", PgType.Int4)]);
        // output (build right): l_partkey, l_qty, p_partkey, p_name
        Assert.Equal([true, false, true, false], UnreadJoinColumns.Of(project)[join]);
    }
}
