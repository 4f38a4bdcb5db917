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
    public IReadOnlyList<int> AttNums { get; } = attNums;

    public RowSelector Select { get; } = select;

    /// <summary>For logs and EXPLAIN: what the stage tests.</summary>
    public string Description { get; } = description;
}
