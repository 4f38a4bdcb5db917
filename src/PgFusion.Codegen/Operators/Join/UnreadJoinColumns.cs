using PgFusion.Planner.Binding;
using PgFusion.Planner.Logical;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.Join;

/// <summary>
/// The output columns of each inner hash join that nothing above it reads. A join's output is the
/// whole pair row (both inputs' columns), and the planner's projection pruning stops at the
/// scans: TPC-H Q9's part rows carry p_name (read only by the LIKE filter under the first join)
/// through three joins, each gathering its text into the pair rows and copying it into the next
/// join's built table. <see cref="HashJoinStream"/> fills such a column with NULLs instead (its
/// built table does not copy it either), so the values are never gathered.
/// <para>
/// The walk goes top-down from the root (all of whose columns are read) through the operators
/// whose reads it knows: projections read their expressions, filters and sorts their input columns
/// that are read above plus their predicate's or keys', limits pass through, and an inner join
/// reads its keys and passes the rest on to each side; its residual's columns are read (the
/// residual runs over the gathered pair row). Every other operator (or an
/// expression with a node other than column references, constants, function calls, boolean,
/// null-test, relabel, CASE and COALESCE nodes) reads all of its input's columns. A join met
/// twice keeps the union of what both readers read.
/// </para>
/// PGFUSION_JOIN_UNREAD=0 in the server's environment turns this off (A/B).
/// </summary>
public static class UnreadJoinColumns
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("PGFUSION_JOIN_UNREAD") != "0";

    /// <summary>For each inner hash join of <paramref name="root"/> with an unread output column: true for each unread column.</summary>
    public static Dictionary<PhysicalHashJoin, bool[]> Of(PhysicalPlan root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var read = new Dictionary<PhysicalHashJoin, bool[]>(ReferenceEqualityComparer.Instance);
        if (!Enabled) return read;
        Walk(root, All(root.Output.Count), read);
        var unread = new Dictionary<PhysicalHashJoin, bool[]>(ReferenceEqualityComparer.Instance);
        foreach (var (join, r) in read)
            if (r.Any(x => !x)) unread[join] = r.Select(x => !x).ToArray();
        return unread;
    }

    private static bool[] All(int n)
    {
        var a = new bool[n];
        Array.Fill(a, true);
        return a;
    }

    private static void Walk(PhysicalPlan plan, bool[] required, Dictionary<PhysicalHashJoin, bool[]> read)
    {
        switch (plan)
        {
            case PhysicalProject project:
            {
                var need = new bool[project.Input.Output.Count];
                if (!project.Exprs.All(e => AddReads(e, need))) need = All(need.Length);
                Walk(project.Input, need, read);
                return;
            }
            case PhysicalFilter filter when filter.Output.Count == filter.Input.Output.Count:
            {
                var need = (bool[])required.Clone();
                if (!AddReads(filter.Predicate, need)) need = All(need.Length);
                Walk(filter.Input, need, read);
                return;
            }
            case PhysicalLimit limit when limit.Output.Count == limit.Input.Output.Count:
                Walk(limit.Input, (bool[])required.Clone(), read);
                return;
            case PhysicalSort sort when sort.Output.Count == sort.Input.Output.Count:
            {
                var need = (bool[])required.Clone();
                if (!sort.Keys.All(k => AddReads(k.Expr, need))) need = All(need.Length);
                Walk(sort.Input, need, read);
                return;
            }
            case PhysicalHashJoin join when join.Kind == HashJoinKind.Inner && join.Output.Count == join.PairColumns.Count
                && join.Output.Count == required.Length:
            {
                // the residual reads the pair row the stream gathers: its columns count as read by the join's output
                required = (bool[])required.Clone();
                if (join.Residual is { } residual && !AddReads(residual, required)) required = All(required.Length);
                if (read.TryGetValue(join, out var before))
                {
                    // a second reader: the union of both
                    bool grew = false;
                    for (int i = 0; i < required.Length; i++)
                    {
                        if (required[i] && !before[i])
                        {
                            before[i] = true;
                            grew = true;
                        }
                    }
                    if (!grew) return;
                    required = before;
                }
                else
                {
                    read[join] = required;
                }
                var pair = required;
                int buildWidth = join.Build.Output.Count, probeWidth = join.Probe.Output.Count;
                int buildStart = join.BuildIsLeft ? 0 : probeWidth, probeStart = join.BuildIsLeft ? buildWidth : 0;
                var probe = pair.AsSpan(probeStart, probeWidth).ToArray();
                var build = pair.AsSpan(buildStart, buildWidth).ToArray();
                if (!join.ProbeKeys.All(k => AddReads(k, probe))) probe = All(probeWidth);
                if (!join.BuildKeys.All(k => AddReads(k, build))) build = All(buildWidth);
                Walk(join.Probe, probe, read);
                Walk(join.Build, build, read);
                return;
            }
            default:
                foreach (var child in plan.Children) Walk(child, All(child.Output.Count), read);
                return;
        }
    }

    /// <summary>Marks the input columns <paramref name="expr"/> reads; false when it has a node whose reads are not known here.</summary>
    private static bool AddReads(BoundExpr expr, bool[] need)
    {
        foreach (var e in expr.Descendants())
        {
            switch (e)
            {
                case BoundColumnRef r:
                    if (r.Index < 0 || r.Index >= need.Length) return false;
                    need[r.Index] = true;
                    break;
                case BoundConst or BoundFuncCall or BoundBoolExpr or BoundNullTest or BoundRelabel or BoundCase or BoundCoalesce:
                    break;
                default:
                    return false;
            }
        }
        return true;
    }
}
