namespace PgFusion.Types;

/// <summary>A heap relation's physical layout: every attribute in attnum order, dropped ones included.</summary>
public sealed record RelationLayout(uint RelId, string Name, IReadOnlyList<AttributeLayout> Attributes, long RelPages, double RelTuples)
{
    public AttributeLayout Attribute(int attnum) => Attributes[attnum - 1];
}
