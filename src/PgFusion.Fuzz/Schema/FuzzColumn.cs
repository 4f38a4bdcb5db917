namespace PgFusion.Fuzz.Schema;

/// <summary>A generated column: its name, declared type (with typmod, e.g. `numeric(9,2)`), kind and nullability.</summary>
public sealed record FuzzColumn(string Name, string SqlType, ColumnKind Kind, bool Nullable)
{
    /// <summary>The column's part of CREATE TABLE.</summary>
    public string Ddl => Nullable ? $"{Name} {SqlType}" : $"{Name} {SqlType} NOT NULL";
}
