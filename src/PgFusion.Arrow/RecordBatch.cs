namespace PgFusion.Arrow;

/// <summary>
/// Columns of equal length. A batch may carry a selection vector: when <see cref="Selection"/>
/// is set, only the rows Selection[0..SelectedCount) are live (filters narrow it instead of
/// copying columns).
/// </summary>
public sealed class RecordBatch
{
    public RecordBatch(IReadOnlyList<Column> columns, int length)
    {
        Columns = columns;
        Length = length;
    }

    public IReadOnlyList<Column> Columns { get; }

    public int Length { get; set; }

    public int[]? Selection { get; set; }

    public int SelectedCount { get; set; }

    /// <summary>Live rows: SelectedCount with a selection vector, else Length.</summary>
    public int LiveRows => Selection is null ? Length : SelectedCount;
}
