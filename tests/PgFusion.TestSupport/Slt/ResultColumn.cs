namespace PgFusion.TestSupport.Slt;

/// <summary>A result column as the RowDescription message gives it.</summary>
public sealed record ResultColumn(string Name, uint TypeOid, string TypeName)
{
    public override string ToString() => $"{Name} {TypeName}";
}
