using System.Text;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Operators.Output;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators;

/// <summary>The compiled operator tree of one query; reusable and thread-safe (state lives in each execution).</summary>
public sealed class CompiledPlan : CompiledQuery
{
    private readonly IReadOnlyList<OutputColumn> output;

    private readonly IReadOnlyList<string> notes;

    public CompiledPlan(OperatorNode root, IReadOnlyList<OutputColumn> output, TimeSpan compileTime, IReadOnlyList<string>? notes = null)
    {
        Root = root;
        this.output = output;
        this.notes = notes ?? [];
        CompileTime = compileTime;
        Explain = BuildExplain();
        Positions = BuildPositions(root);
    }

    /// <summary>
    /// Each node's position in <see cref="Explain"/>: the line that describes it, 1 for the root,
    /// in the pre-order the explain is written in (a node shown twice keeps its first line). Nodes
    /// run inside a shown node (<see cref="OperatorNode.RunsInside"/>) and their unshown
    /// descendants take that node's position. EXPLAIN ANALYZE's spill figures name nodes by it.
    /// </summary>
    public IReadOnlyDictionary<OperatorNode, int> Positions { get; }

    private static Dictionary<OperatorNode, int> BuildPositions(OperatorNode root)
    {
        var positions = new Dictionary<OperatorNode, int>(ReferenceEqualityComparer.Instance);
        var shown = new List<OperatorNode>();
        int line = 0;
        void Walk(OperatorNode n)
        {
            line++;
            positions.TryAdd(n, line);
            shown.Add(n);
            foreach (var c in n.Children) Walk(c);
        }
        Walk(root);
        // only after every shown node has its own line: an inside node's descendants may be shown ones
        void Inside(OperatorNode n, int at)
        {
            if (!positions.TryAdd(n, at)) return;
            foreach (var c in n.Children) Inside(c, at);
            foreach (var c in n.RunsInside) Inside(c, at);
        }
        foreach (var n in shown)
            foreach (var c in n.RunsInside) Inside(c, positions[n]);
        return positions;
    }

    public OperatorNode Root { get; }

    public TimeSpan CompileTime { get; }

    public override IReadOnlyList<OutputColumn> Output => output;

    public override string Explain { get; }

    public IEnumerable<OperatorNode> Nodes()
    {
        var stack = new Stack<OperatorNode>();
        stack.Push(Root);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            yield return n;
            for (int c = n.Children.Count - 1; c >= 0; c--) stack.Push(n.Children[c]);
        }
    }

    private string BuildExplain()
    {
        var sb = new StringBuilder();
        void Walk(OperatorNode n, int depth)
        {
            sb.Append(' ', depth * 2).Append(depth == 0 ? "" : "-> ").AppendLine(n.Describe());
            foreach (var c in n.Children) Walk(c, depth + 1);
        }
        Walk(Root, 0);
        foreach (var note in notes) sb.AppendLine(note);
        return sb.ToString();
    }

    public override void Execute(IScanProvider scans, IResultSink sink, CancellationToken cancellation)
    {
        using var spill = Spill.SpillSpace.Unlimited;
        Execute(scans, sink, spill, cancellation);
    }

    public override void Execute(IScanProvider scans, IResultSink sink, Spill.SpillSpace spill, CancellationToken cancellation)
    {
        spill.AttachPlan(Positions);
        var context = new ExecutionContext(scans, cancellation, spill);
        try
        {
            var source = ParallelGatherStream.Open(Root, context, "result rows");
            var encoder = new MinimalTupleEncoder(output.Select(o => o.Type).ToArray());
            while (source.Next(cancellation) is { } batch)
            {
                cancellation.ThrowIfCancellationRequested();
                encoder.Write(batch, sink);
            }
        }
        finally
        {
            context.Finish();
        }
    }
}
