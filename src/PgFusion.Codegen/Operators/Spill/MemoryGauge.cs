namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// What one buffer of an operator holds (a sort's rows, a merge's run cursors, a partitioner's
/// staging blocks and file buffers), reported to the execution's <see cref="MemoryTracker"/>.
/// The owner sets the figure when it measures its buffer anyway (per batch, per block read), and
/// disposes the gauge (back to 0) when it lets the buffer go.
/// </summary>
internal sealed class MemoryGauge(MemoryTracker tracker, int node) : IDisposable
{
    public long Bytes { get; private set; }

    public long PeakBytes { get; private set; }

    public void Set(long bytes)
    {
        if (bytes == Bytes) return;
        tracker.Add(node, bytes - Bytes);
        Bytes = bytes;
        if (bytes > PeakBytes) PeakBytes = bytes;
    }

    public void Add(long delta) => Set(Bytes + delta);

    public void Dispose() => Set(0);
}
