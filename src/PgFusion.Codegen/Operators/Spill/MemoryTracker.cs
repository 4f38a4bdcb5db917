namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// The bytes the buffering operators of one execution hold, as they report them through their
/// <see cref="MemoryGauge"/>s: in all and by plan node (the node's position in the plan EXPLAIN
/// shows, as the spill figures count them), with the peak of each. A node's figure adds up every
/// gauge created for it, nested partition streams and merge buffers included, so a test can check
/// that one operator stayed within <see cref="SpillSpace.BudgetBytes"/> while it spilled.
/// </summary>
public sealed class MemoryTracker
{
    private readonly Lock gate = new();
    private readonly Dictionary<int, (long Current, long Peak)> nodes = [];
    private long current;
    private long peak;

    /// <summary>Bytes held now by every gauge of the execution.</summary>
    public long CurrentBytes
    {
        get
        {
            lock (gate) return current;
        }
    }

    /// <summary>The most bytes the execution's gauges held at once.</summary>
    public long PeakBytes
    {
        get
        {
            lock (gate) return peak;
        }
    }

    /// <summary>The most bytes the gauges of plan node <paramref name="node"/> held at once (0 if it had none).</summary>
    public long PeakBytesOf(int node)
    {
        lock (gate) return nodes.TryGetValue(node, out var n) ? n.Peak : 0;
    }

    /// <summary>The peak of every node that had a gauge, by node.</summary>
    public IReadOnlyDictionary<int, long> PeaksByNode()
    {
        lock (gate) return nodes.ToDictionary(e => e.Key, e => e.Value.Peak);
    }

    internal void Add(int node, long delta)
    {
        lock (gate)
        {
            current += delta;
            peak = Math.Max(peak, current);
            var n = nodes.GetValueOrDefault(node);
            n.Current += delta;
            n.Peak = Math.Max(n.Peak, n.Current);
            nodes[node] = n;
        }
    }
}
