using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Physical;
using PgFusion.Types;
using Xunit;

namespace PgFusion.Planner.Tests.Physical;

/// <summary>
/// INTERSECT reads the input with fewer estimated groups first (generate_nonunion_paths), the
/// groups being estimate_num_groups over each input's select list. Seed 690 case 1030: a right
/// input filtered by a NOT LIKE that keeps 99.5 % of the rows has fewer rows but as many groups as
/// the left one, so PostgreSQL reads the left one first. The figures are those of PostgreSQL 15's
/// EXPLAIN over a never-analyzed table of (int4, bool, text, int2): 1210 tuples.
/// </summary>
public sealed class SetOpGroupsTests
{
    private const uint TextNotLike = 9201, Int2Eq = 9202, Int2Neg = 9203;

    private static readonly QueryCatalog Catalog = new(
        [],
        [
            new CatalogOperator(1, "!~~", PgTypeOid.Text, PgTypeOid.Text, PgTypeOid.Bool, TextNotLike),
            new CatalogOperator(2, "=", PgTypeOid.Int2, PgTypeOid.Int2, PgTypeOid.Bool, Int2Eq),
        ],
        []);

    private static RelationInfo Table(double? estimatedTuples) => new(
        new RelationLayout(
            16400,
            "t",
            [
                new AttributeLayout(1, "id", PgType.Int4, 4, true, 'i', true, false, false, null),
                new AttributeLayout(2, "c3", PgType.Bool, 1, true, 'c', true, false, false, null),
                new AttributeLayout(3, "c5", PgType.Text, -1, false, 'i', false, false, false, null),
                new AttributeLayout(4, "c7", PgType.Int2, 2, true, 's', false, false, false, null),
            ],
            0,
            -1),
        "public",
        'r',
        false,
        new Dictionary<int, ColumnStatistics>())
    {
        EstimatedTuples = estimatedTuples,
    };

    private int _nextId = 100;

    private LogicalColumn Column(string name, PgType type) => new(_nextId++, name, type);

    /// <summary>SELECT f(c7), c3 FROM t [WHERE filter(c5, c7)]</summary>
    private LogicalPlan Input(RelationInfo table, bool negate, Func<LogicalColumn, LogicalColumn, BoundExpr>? filter)
    {
        var c3 = Column("c3", PgType.Bool);
        var c5 = Column("c5", PgType.Text);
        var c7 = Column("c7", PgType.Int2);
        LogicalPlan plan = new LogicalScan(1, "a", table, [new ScanColumn(2, c3), new ScanColumn(3, c5), new ScanColumn(4, c7)]);
        if (filter is not null) plan = new LogicalFilter(plan, filter(c5, c7));
        BoundExpr first = new LogicalColumnRef(c7);
        if (negate) first = new BoundFuncCall(Int2Neg, "int2um", [first], PgType.Int2);
        return new LogicalProject(plan, [new NamedExpr(Column("x", PgType.Int2), first), new NamedExpr(Column("b", PgType.Bool), new LogicalColumnRef(c3))]);
    }

    private PhysicalHashSetOp Intersect(LogicalPlan left, LogicalPlan right) =>
        (PhysicalHashSetOp)new PhysicalPlanner(Catalog).Lower(new LogicalSetOp(left, right, SetOpKind.Intersect, false, [Column("x", PgType.Int2), Column("b", PgType.Bool)]));

    private static BoundExpr NotLikeItself(LogicalColumn c5, LogicalColumn c7) =>
        new BoundFuncCall(TextNotLike, "textnlike", [new LogicalColumnRef(c5), new LogicalColumnRef(c5)], PgType.Bool);

    private static BoundExpr C7Is5(LogicalColumn c5, LogicalColumn c7) =>
        new BoundFuncCall(Int2Eq, "int2eq", [new LogicalColumnRef(c7), new BoundConst((short)5, PgType.Int2)], PgType.Bool);

    [Fact]
    public void Fewer_rows_but_as_many_groups_keeps_the_left_input_first()
    {
        var table = Table(1210);
        var setOp = Intersect(Input(table, true, null), Input(table, false, NotLikeItself));
        Assert.Equal(1210, setOp.Left.EstimatedRows);
        Assert.Equal(1204, setOp.Right.EstimatedRows); // 1210 x 0.995
        Assert.False(setOp.RightFirst); // 200 x 2 = 400 groups on either side
        Assert.Equal(400, setOp.EstimatedRows); // PostgreSQL: HashSetOp Intersect rows=400
    }

    [Fact]
    public void Fewer_groups_reads_the_right_input_first()
    {
        var table = Table(1210);
        var setOp = Intersect(Input(table, true, null), Input(table, false, C7Is5));
        Assert.Equal(6, setOp.Right.EstimatedRows); // 1210 / 200
        Assert.True(setOp.RightFirst); // 6 distinct c7 of the 6 rows, x 2 = 12, at most the 6 rows
        Assert.Equal(6, setOp.EstimatedRows); // PostgreSQL: HashSetOp Intersect rows=6
    }

    [Fact]
    public void A_table_of_fewer_tuples_than_200_has_as_many_distinct_values_as_tuples()
    {
        var small = Table(80);
        var large = Table(1210);
        var setOp = Intersect(Input(large, true, null), Input(small, false, null));
        Assert.True(setOp.RightFirst); // 400 groups left, 80 x 2 clamped to the 80 rows right
        Assert.Equal(80, setOp.EstimatedRows);
    }

    [Fact]
    public void Equality_without_statistics_is_one_over_the_distinct_values()
    {
        var c3 = Column("c3", PgType.Bool);
        var c7 = Column("c7", PgType.Int2);
        var origins = new Dictionary<int, ColumnOrigin> { [c3.Id] = new(Table(1210), 2), [c7.Id] = new(Table(80), 4) };
        var estimator = new SelectivityEstimator(Catalog, origins);
        Assert.Equal(0.5, estimator.Estimate(new LogicalColumnRef(c3)), 9); // boolvarsel's 0.5
        Assert.Equal(1.0 / 80, estimator.Estimate(C7Is5(c3, c7)), 9); // 80 tuples: 80 distinct values
        origins[c7.Id] = new(Table(1210), 4);
        Assert.Equal(0.005, estimator.Estimate(C7Is5(c3, c7)), 9); // DEFAULT_NUM_DISTINCT
    }
}
