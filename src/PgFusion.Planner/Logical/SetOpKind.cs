namespace PgFusion.Planner.Logical;

/// <summary>INTERSECT or EXCEPT (UNION is a <see cref="LogicalUnionAll"/>, with a DISTINCT aggregate above it for UNION).</summary>
public enum SetOpKind
{
    Intersect,
    Except,
}
