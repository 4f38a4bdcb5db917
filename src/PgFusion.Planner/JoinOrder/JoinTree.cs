using System.Globalization;
using System.Text;

namespace PgFusion.Planner.JoinOrder;

/// <summary>The chosen join order: a bushy tree over the query graph's relations.</summary>
public abstract record JoinTree(RelSet Relations, double EstimatedRows, double Cost)
{
    /// <summary>One line, e.g. <c>((R0 ⋈ R1) ⟕ R2)</c>; names default to the graph's.</summary>
    public string Format(Func<int, string>? name = null)
    {
        var sb = new StringBuilder();
        Append(sb, name ?? (i => "R" + i.ToString(CultureInfo.InvariantCulture)));
        return sb.ToString();
    }

    internal abstract void Append(StringBuilder sb, Func<int, string> name);

    /// <summary>All join nodes, bottom-up.</summary>
    public IEnumerable<JoinTreeNode> Joins()
    {
        if (this is JoinTreeNode node)
        {
            foreach (var j in node.Left.Joins())
                yield return j;
            foreach (var j in node.Right.Joins())
                yield return j;
            yield return node;
        }
    }
}

public sealed record JoinTreeLeaf(int RelIndex, double EstimatedRows)
    : JoinTree(RelSet.Single(RelIndex), EstimatedRows, 0)
{
    internal override void Append(StringBuilder sb, Func<int, string> name) => sb.Append(name(RelIndex));
}

/// <param name="Left">For left outer, semi and anti joins: the preserved (outer) input.</param>
/// <param name="Edges">The graph edges this join applies (its predicates); empty for a cross product.</param>
/// <param name="Cost">C_out of the subtree: this node's rows plus its inputs' costs.</param>
public sealed record JoinTreeNode(
    JoinTree Left, JoinTree Right, JoinKind Kind, IReadOnlyList<JoinEdge> Edges,
    double EstimatedRows, double Cost, JoinBuildSide BuildSide)
    : JoinTree(Left.Relations | Right.Relations, EstimatedRows, Cost)
{
    public bool IsCrossProduct => Edges.Count == 0;

    internal override void Append(StringBuilder sb, Func<int, string> name)
    {
        sb.Append('(');
        Left.Append(sb, name);
        sb.Append(Kind switch
        {
            JoinKind.Inner => IsCrossProduct ? " × " : " ⋈ ",
            JoinKind.LeftOuter => " ⟕ ",
            JoinKind.FullOuter => " ⟗ ",
            JoinKind.Semi => " ⋉ ",
            JoinKind.Anti => " ▷ ",
            _ => " ? ",
        });
        Right.Append(sb, name);
        sb.Append(')');
    }
}
