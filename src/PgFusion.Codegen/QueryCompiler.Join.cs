using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Join;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen;

// Hash joins: key kernels for both inputs, a filter kernel for the residual over pair rows.
public sealed partial class QueryCompiler
{
    /// <summary>Scans an index-probe join reads through the index (by reference), with the join they serve.</summary>
    private readonly Dictionary<PhysicalScan, IndexProbeRendezvous> probedScans = new(ReferenceEqualityComparer.Instance);

    /// <summary>The output columns of the plan's inner hash joins that nothing reads (<see cref="UnreadJoinColumns"/>).</summary>
    private Dictionary<PhysicalHashJoin, bool[]> unreadJoinColumns = new(ReferenceEqualityComparer.Instance);

    private IndexProbeJoinNode LowerIndexProbeJoin(PhysicalIndexProbeJoin plan)
    {
        var outer = Lower(plan.Join.Probe);
        var keyKernel = KernelBuilder.Project("index_probe_keys", Types(plan.Join.Probe), [plan.Join.ProbeKeys[plan.KeyIndex]], Cache);
        var rendezvous = new IndexProbeRendezvous(outer, keyKernel, plan);
        probedScans[plan.InnerScan] = rendezvous;
        var join = LowerJoin(plan.Join, new OuterReplayNode(rendezvous));
        return new IndexProbeJoinNode(outer, join.Build, join, rendezvous, LowerProbeFallback(plan, rendezvous));
    }

    /// <summary>
    /// For a semi, anti or inner index-probe join, the join to run when the real number of keys
    /// makes the worker give the probe up: the buffered outer rows are built (BuildSemi/BuildAnti,
    /// build on the left, so the residual's pair columns keep their order; an inner join with its
    /// sides swapped, left and right unchanged) and the inner relation's sequential scan streams
    /// through them, instead of building a hash table of the whole inner relation (TPC-H Q22:
    /// 19,079 customer keys where 1,724 were estimated; orders built whole took twice as long;
    /// Q7: ~120K orders where 60K were estimated, against 1.8M lineitem rows of two years).
    /// </summary>
    private HashJoinNode? LowerProbeFallback(PhysicalIndexProbeJoin plan, IndexProbeRendezvous rendezvous)
    {
        var j = plan.Join;
        if (!ScanFiltersProjections(j.Build)) return null;
        PhysicalHashJoin swapped;
        if (j.Kind is HashJoinKind.Semi or HashJoinKind.Anti && !j.BuildIsLeft)
            swapped = j.SidesSwapped(j.Kind == HashJoinKind.Semi ? HashJoinKind.BuildSemi : HashJoinKind.BuildAnti, buildIsLeft: true);
        else if (j.Kind == HashJoinKind.Inner)
            swapped = j.SidesSwapped(HashJoinKind.Inner, !j.BuildIsLeft);
        else
            return null;
        // the inner relation lowered as a plain scan (opened only once the probe is given up), so the
        // fallback streams it as any BuildSemi/BuildAnti join does, on the parallel pipeline's threads
        probedScans.Remove(plan.InnerScan);
        try
        {
            return LowerJoin(swapped, loweredBuild: new OuterReplayNode(rendezvous));
        }
        finally
        {
            probedScans[plan.InnerScan] = rendezvous;
        }
    }

    /// <summary>Only scans under filters and projections: lowering such a subtree twice (once per join it may run in) shares nothing.</summary>
    private static bool ScanFiltersProjections(PhysicalPlan plan) =>
        plan is PhysicalScan || (plan is PhysicalFilter or PhysicalProject && plan.Children.All(ScanFiltersProjections));

    private HashJoinNode LowerJoin(PhysicalHashJoin join, OperatorNode? loweredProbe = null, OperatorNode? loweredBuild = null)
    {
        var probe = loweredProbe ?? Lower(join.Probe);
        var build = loweredBuild ?? Lower(join.Build);
        for (int i = 0; i < join.ProbeKeys.Count; i++)
        {
            var type = join.ProbeKeys[i].Type;
            if (type != join.BuildKeys[i].Type && type.Oid != join.BuildKeys[i].Type.Oid)
                throw new UnsupportedException($"join key {i} compares {type} with {join.BuildKeys[i].Type}");
            if (!ColumnOps.For(type).CanCompare) throw new UnsupportedException($"join key of type {type} is not supported");
        }
        foreach (var c in join.PairColumns) ColumnOps.For(c.Type);
        var probeKeys = join.ProbeKeys.Count == 0 ? null : KernelBuilder.Project("probe_keys", Types(join.Probe), join.ProbeKeys, Cache);
        var buildKeys = join.BuildKeys.Count == 0 ? null : KernelBuilder.Project("build_keys", Types(join.Build), join.BuildKeys, Cache);
        var residual = join.Residual is null ? null : KernelBuilder.Filter("join_residual", join.PairColumns.Select(c => c.Type).ToArray(), join.Residual, Cache);
        return new HashJoinNode(probe, build, join, probeKeys, buildKeys, residual)
        {
            UnreadOutput = unreadJoinColumns.TryGetValue(join, out var unread) ? unread : null,
        };
    }
}
