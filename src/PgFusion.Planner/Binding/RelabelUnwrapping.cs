namespace PgFusion.Planner.Binding;

/// <summary>Seeing through binary-compatible casts (RelabelType): the same bits under another type.</summary>
public static class RelabelUnwrapping
{
    /// <summary>The expression under any number of <see cref="BoundRelabel"/> nodes (itself when it is none).</summary>
    public static BoundExpr UnwrapRelabel(this BoundExpr e)
    {
        while (e is BoundRelabel r) e = r.Arg;
        return e;
    }
}
