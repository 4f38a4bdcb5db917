using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.Join;

/// <summary>
/// Hash join (plan side): kernels that compute the probe and build keys per batch, and the residual
/// filter over candidate pair rows. The runtime (<see cref="HashJoinStream"/>) loads the build input
/// into a <see cref="JoinHashTable"/>, then streams the probe input.
/// </summary>
public sealed class HashJoinNode : OperatorNode
{
    public HashJoinNode(OperatorNode probe, OperatorNode build, PhysicalHashJoin plan,
        Kernel<ProjectKernel>? probeKeyKernel, Kernel<ProjectKernel>? buildKeyKernel, Kernel<FilterKernel>? residualKernel)
        : base(plan.Output)
    {
        Probe = probe;
        Build = build;
        Plan = plan;
        ProbeKeyKernel = probeKeyKernel;
        BuildKeyKernel = buildKeyKernel;
        ResidualKernel = residualKernel;
    }

    public OperatorNode Probe { get; }

    public OperatorNode Build { get; }

    public PhysicalHashJoin Plan { get; }

    /// <summary>Probe keys, one column per key (null when the join has no equi-keys).</summary>
    public Kernel<ProjectKernel>? ProbeKeyKernel { get; }

    public Kernel<ProjectKernel>? BuildKeyKernel { get; }

    /// <summary>The residual predicate over pair rows laid out as <see cref="PhysicalHashJoin.PairColumns"/>.</summary>
    public Kernel<FilterKernel>? ResidualKernel { get; }

    /// <summary>
    /// An inner join's output columns nothing above reads (<see cref="UnreadJoinColumns"/>), true
    /// for each: the stream fills them with NULLs and its table does not copy them; null: none.
    /// </summary>
    public bool[]? UnreadOutput { get; init; }

    public override IReadOnlyList<OperatorNode> Children => [Probe, Build];

    public override string Describe()
    {
        string keys = string.Join(" AND ", Plan.ProbeKeys.Select((k, i) => $"{Dump.ExprText.Of(k, Probe.Output)} = {Dump.ExprText.Of(Plan.BuildKeys[i], Build.Output)}"));
        string residual = Plan.Residual is null ? "" : $"; filter {Dump.ExprText.Of(Plan.Residual, Plan.PairColumns)}";
        return $"HashJoin {Plan.Kind}: {(keys.Length == 0 ? "no keys" : keys)}{residual}; build {(Plan.BuildIsLeft ? "left" : "right")}  (rows={Plan.EstimatedRows:0})";
    }

    public override IEnumerable<KernelInfo> Kernels
    {
        get
        {
            if (ProbeKeyKernel is { } p) yield return new("probe_keys", p.Source, p.Run, p.CompileTime, p.Key);
            if (BuildKeyKernel is { } b) yield return new("build_keys", b.Source, b.Run, b.CompileTime, b.Key);
            if (ResidualKernel is { } r) yield return new("join_residual", r.Source, r.Run, r.CompileTime, r.Key);
        }
    }

    /// <summary>
    /// A new stream; a parallel pipeline may have prepared this join in <paramref name="context"/>
    /// (<see cref="ParallelPipeline"/>): a stream that already read its build input, or a table
    /// built once that this thread's stream only probes.
    /// </summary>
    public override IBatchSource Open(ExecutionContext context)
    {
        if (!context.Shared.Remove(this, out var prepared)) return new HashJoinStream(this, context);
        return prepared switch
        {
            HashJoinStream loaded => loaded,
            JoinHashTable table => new HashJoinStream(this, context, prebuilt: table),
            _ => throw new InvalidOperationException($"hash join prepared as {prepared.GetType().Name}"),
        };
    }
}
