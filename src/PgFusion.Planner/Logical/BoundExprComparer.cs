using PgFusion.Planner.Binding;

namespace PgFusion.Planner.Logical;

/// <summary>
/// Structural equality of expressions (records compare their lists by reference): matches GROUP BY
/// expressions in the target list and deduplicates aggregates and conjuncts.
/// </summary>
public sealed class BoundExprComparer : IEqualityComparer<BoundExpr>
{
    public static readonly BoundExprComparer Instance = new();

    public bool Equals(BoundExpr? x, BoundExpr? y)
    {
        if (ReferenceEquals(x, y)) return true;
        if (x is null || y is null || x.GetType() != y.GetType() || x.Type != y.Type) return false;
        bool same = (x, y) switch
        {
            (LogicalColumnRef a, LogicalColumnRef b) => a.Column.Id == b.Column.Id,
            (BoundColumnRef a, BoundColumnRef b) => a.Index == b.Index,
            (BoundConst a, BoundConst b) => ConstEquals(a.Value, b.Value),
            (BoundFuncCall a, BoundFuncCall b) => a.FuncOid == b.FuncOid,
            (BoundBoolExpr a, BoundBoolExpr b) => a.Op == b.Op,
            (BoundNullTest a, BoundNullTest b) => a.IsNotNull == b.IsNotNull,
            (BoundCase a, BoundCase b) => a.Branches.Count == b.Branches.Count && (a.Else is null) == (b.Else is null),
            _ => true,
        };
        if (!same) return false;
        var xc = x.Children();
        var yc = y.Children();
        if (xc.Count != yc.Count) return false;
        for (int i = 0; i < xc.Count; i++)
            if (!Equals(xc[i], yc[i])) return false;
        return true;
    }

    public bool Equals(BoundAggregate x, BoundAggregate y) =>
        x.AggOid == y.AggOid && x.Distinct == y.Distinct && x.Type == y.Type && x.Args.Count == y.Args.Count
        && x.Args.Zip(y.Args).All(p => Equals(p.First, p.Second))
        && (x.Filter is null ? y.Filter is null : y.Filter is not null && Equals(x.Filter, y.Filter))
        && (x.OrderBy?.Count ?? 0) == (y.OrderBy?.Count ?? 0)
        && (x.OrderBy is null || x.OrderBy.Zip(y.OrderBy!).All(p => p.First.Descending == p.Second.Descending
            && p.First.NullsFirst == p.Second.NullsFirst && Equals(p.First.Expr, p.Second.Expr)));

    public int GetHashCode(BoundExpr obj)
    {
        var h = new HashCode();
        h.Add(obj.GetType());
        h.Add(obj.Type);
        if (obj is LogicalColumnRef r) h.Add(r.Column.Id);
        if (obj is BoundFuncCall f) h.Add(f.FuncOid);
        foreach (var c in obj.Children()) h.Add(GetHashCode(c));
        return h.ToHashCode();
    }

    private static bool ConstEquals(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
        _ => Equals(a, b),
    };
}
