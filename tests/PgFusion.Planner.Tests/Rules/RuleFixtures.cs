using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Tests.Rules;

/// <summary>Small hand-built plans and predicates the rule tests share.</summary>
internal static class RuleFixtures
{
    /// <summary>A scan of a ten-row table without statistics, its columns the table's attributes 1..n.</summary>
    public static LogicalScan Scan(int rti, string name, params LogicalColumn[] columns) =>
        new(rti, name, new RelationInfo(new RelationLayout((uint)rti, name, [], 1, 10), "public", 'r', false, new Dictionary<int, ColumnStatistics>()),
            [.. columns.Select((c, i) => new ScanColumn(i + 1, c))]);

    /// <summary>An int2 column c1.</summary>
    public static readonly BoundColumnRef C1 = new(0, PgType.Int2, "c1");

    /// <summary>c1 &gt; 7.</summary>
    public static readonly BoundFuncCall C1Gt7 = new(1, "int2gt", [C1, new BoundConst((short)7, PgType.Int2)], PgType.Bool);

    /// <summary>c1 &lt; 0.</summary>
    public static readonly BoundFuncCall C1Lt0 = new(2, "int2lt", [C1, new BoundConst((short)0, PgType.Int2)], PgType.Bool);
}
