using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Queries;

/// <summary>A column visible in a query block, with the alias that qualifies it (`a.c3`).</summary>
public sealed record ScopeColumn(string Alias, FuzzColumn Column)
{
    public string Sql => $"{Alias}.{Column.Name}";

    public Expr ToExpr() => Expr.Leaf(Column.Kind, Sql);
}
