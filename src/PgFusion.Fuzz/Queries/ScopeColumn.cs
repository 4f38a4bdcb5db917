using PgFusion.Fuzz.Schema;

namespace PgFusion.Fuzz.Queries;

/// <summary>
/// A column visible in a query block, with the alias that qualifies it (`a.c3`); an empty alias is
/// an unqualified name (the merged column of `JOIN ... USING (c3)` or NATURAL JOIN).
/// </summary>
public sealed record ScopeColumn(string Alias, FuzzColumn Column)
{
    public string Sql => Alias.Length == 0 ? Column.Name : $"{Alias}.{Column.Name}";

    public Expr ToExpr() => Expr.Leaf(Column.Kind, Sql);
}
