using PgFusion.Planner;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Codegen.Tests.Support;

/// <summary>Hand-built plans over <see cref="TestTable"/>: the shapes the planner produces.</summary>
public static class Q
{
    public static BoundColumnRef Col(string name) => new(TestTable.Index(name), TestTable.TypeOf(name), name);

    public static BoundFuncCall F(uint oid, string name, PgType type, params BoundExpr[] args) => new(oid, name, args, type);

    public static BoundConst K(object? value, PgType type) => new(value, type);

    public static BoundExpr Text(BoundExpr e) => new BoundRelabel(e, PgType.Text);

    public static BoundBoolExpr And(params BoundExpr[] a) => new(BoolOp.And, a);

    public static BoundBoolExpr Or(params BoundExpr[] a) => new(BoolOp.Or, a);

    public static BoundBoolExpr Not(BoundExpr a) => new(BoolOp.Not, [a]);

    public static PhysicalScan Scan(string table) => TestTable.Scan(table);

    public static PlannedQuery Project(PhysicalPlan input, params (string Name, BoundExpr Expr)[] exprs)
    {
        var output = exprs.Select(e => new OutputColumn(e.Name, e.Expr.Type)).ToArray();
        var p = new PhysicalProject(input, exprs.Select(e => e.Expr).ToArray(), output);
        return new PlannedQuery(p, output, "");
    }

    public static PhysicalPlan Filter(PhysicalPlan input, BoundExpr predicate) => new PhysicalFilter(input, predicate, 1);

    public static PhysicalHashAggregate Aggregate(PhysicalPlan input, BoundExpr[] keys, params BoundAggregate[] aggs)
    {
        var output = keys.Select((k, i) => new OutputColumn("k" + i, k.Type)).Concat(aggs.Select(a => new OutputColumn(a.Name, a.Type))).ToArray();
        return new PhysicalHashAggregate(input, keys, aggs, output, 1);
    }

    public static BoundAggregate Agg(uint oid, string name, PgType type, BoundExpr? arg = null, BoundExpr? filter = null) =>
        new(oid, name, arg is null ? [] : [arg], false, filter, type);

    public static PlannedQuery Result(PhysicalPlan root) => new(root, root.Output, "");
}
