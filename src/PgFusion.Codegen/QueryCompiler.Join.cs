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

    private IndexProbeJoinNode LowerIndexProbeJoin(PhysicalIndexProbeJoin plan)
    {
        var outer = Lower(plan.Join.Probe);
        var keyKernel = KernelBuilder.Project("index_probe_keys", Types(plan.Join.Probe), [plan.Join.ProbeKeys[plan.KeyIndex]], Cache);
        var rendezvous = new IndexProbeRendezvous(outer, keyKernel, plan);
        probedScans[plan.InnerScan] = rendezvous;
        var join = LowerJoin(plan.Join, new OuterReplayNode(rendezvous));
        return new IndexProbeJoinNode(outer, join.Build, join, rendezvous);
    }

    private HashJoinNode LowerJoin(PhysicalHashJoin join, OperatorNode? loweredProbe = null)
    {
        var probe = loweredProbe ?? Lower(join.Probe);
        var build = Lower(join.Build);
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
        return new HashJoinNode(probe, build, join, probeKeys, buildKeys, residual);
    }
}
