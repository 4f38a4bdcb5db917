using PgFusion.Arrow;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// Reads one sorted spill run back, batch by batch, for a k-way merge (ExternalSort,
/// AccumulatorRuns): <see cref="Columns"/> hold the current batch and <see cref="Row"/> the current
/// row in it. Empty batches are skipped.
/// </summary>
internal sealed class SpillRunCursor(SpillFile file, Column[] columns)
{
    private int rows;

    public Column[] Columns { get; } = columns;

    public int Row { get; private set; } = -1;

    /// <summary>Moves to the next row of the run; false once the run is exhausted.</summary>
    public bool Advance()
    {
        if (++Row < rows) return true;
        rows = file.Read(Columns);
        while (rows == 0) rows = file.Read(Columns);
        Row = 0;
        return rows > 0;
    }
}
