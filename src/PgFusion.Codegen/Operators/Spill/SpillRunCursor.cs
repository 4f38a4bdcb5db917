using PgFusion.Arrow;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// Reads one sorted spill run back, batch by batch, for a k-way merge (ExternalSort,
/// AccumulatorRuns): <see cref="Columns"/> hold the current batch and <see cref="Row"/> the current
/// row in it. Empty batches are skipped. With a gauge, what the cursor holds (its block's columns
/// and, while the run is open, the file's stream buffer) is reported as each block is read, and
/// released when the run ends.
/// </summary>
internal sealed class SpillRunCursor(SpillFile file, Column[] columns, MemoryGauge? gauge = null)
{
    private int rows;
    private long held;

    public Column[] Columns { get; } = columns;

    public int Row { get; private set; } = -1;

    /// <summary>Moves to the next row of the run; false once the run is exhausted (the file is then closed).</summary>
    public bool Advance()
    {
        if (++Row < rows) return true;
        rows = file.Read(Columns);
        while (rows == 0) rows = file.Read(Columns);
        Row = 0;
        if (rows < 0)
        {
            file.Close();
            Report(0);
            return false;
        }
        if (gauge is not null) Report(ColumnMemory.Bytes(Columns) + file.BufferBytes);
        return true;
    }

    /// <summary>Lets the block go (the merge stopped before the run's end): reports 0 bytes held.</summary>
    public void Release()
    {
        file.Close();
        Report(0);
    }

    private void Report(long bytes)
    {
        if (gauge is null) return;
        gauge.Add(bytes - held);
        held = bytes;
    }
}
