using PgFusion.Arrow;

namespace PgFusion.HeapDecoder;

/// <summary>
/// The passing rows of a batch: their indices, ascending, written to <paramref name="selection"/>
/// (as long as the batch); returns how many, or -1 when it declines the batch (every row kept).
/// It must not raise: late materialization runs it on rows PostgreSQL may never have tested.
/// </summary>
public delegate int RowSelector(RecordBatch batch, int[] selection);

/// <summary>
/// A part of a scan's filter that late materialization may run before the other columns are
/// decoded: the attributes it reads (1-based attnums; the batch it sees has exactly these
/// columns, in this order) and the test. Rows it rejects must be rows the whole filter rejects
/// without raising, so that leaving them undecoded changes nothing but the work done.
/// </summary>
public sealed class FilterStage(IReadOnlyList<int> attNums, RowSelector select, string description)
{
    /// <summary>
    /// A key stage: the rows whose value of <paramref name="attNum"/> (an integer attribute) is one
    /// of <paramref name="keys"/> (NULL never is); <paramref name="select"/> is the same test over a
    /// batch of that column. The decoder may test the keys in its walk of the line pointers
    /// (<see cref="KeyPageWalk"/>) instead of decoding the column into a batch.
    /// </summary>
    public FilterStage(int attNum, StageKeys keys, RowSelector select, string description)
        : this([attNum], select, description)
    {
        ArgumentNullException.ThrowIfNull(keys);
        Keys = keys;
    }

    public IReadOnlyList<int> AttNums { get; } = attNums;

    /// <summary>A key stage's keys (null: another test).</summary>
    public StageKeys? Keys { get; }

    public RowSelector Select { get; } = select;

    /// <summary>For logs and EXPLAIN: what the stage tests.</summary>
    public string Description { get; } = description;
}
