using System.Linq.Expressions;
using PgFusion.Codegen.Execution;
using PgFusion.Planner.Physical;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators;

/// <summary>A kernel an operator runs, for dumps: its name and expression tree.</summary>
public sealed record KernelInfo(string Name, LambdaExpression Source, Delegate Compiled, TimeSpan CompileTime, string CacheKey);

/// <summary>
/// A compiled physical operator: the plan side (kernels, types), immutable and shared by every
/// execution. <see cref="Open"/> creates the runtime state (a stream of batches) for one execution.
/// </summary>
public abstract class OperatorNode
{
    protected OperatorNode(IReadOnlyList<OutputColumn> output) => Output = output;

    public IReadOnlyList<OutputColumn> Output { get; }

    public IReadOnlyList<PgType> OutputTypes => Output.Select(o => o.Type).ToArray();

    public abstract IReadOnlyList<OperatorNode> Children { get; }

    /// <summary>One EXPLAIN line for this node (no indentation).</summary>
    public abstract string Describe();

    public virtual IEnumerable<KernelInfo> Kernels => [];

    /// <summary>
    /// Nodes this one runs as part of itself without showing them in EXPLAIN (not among
    /// <see cref="Children"/>): their spill files count under this node's position.
    /// </summary>
    public virtual IEnumerable<OperatorNode> RunsInside => [];

    /// <summary>
    /// The node this one was made for at run time (a hash aggregate's nested node over a spilled
    /// partition's rows): its spill files count under that node's line in EXPLAIN.
    /// </summary>
    public OperatorNode? RunsFor { get; init; }

    public abstract IBatchSource Open(ExecutionContext context);
}
