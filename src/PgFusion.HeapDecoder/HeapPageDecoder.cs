using PgFusion.Arrow;
using PgFusion.Types;

namespace PgFusion.HeapDecoder;

/// <summary>
/// Decodes the visible tuples of heap pages into Arrow columns, reading only the requested
/// attributes (in the requested order) and stopping at the last one needed.
/// Visibility bitmap: <see cref="VisibilityBitmapBytes"/> bytes, LSB-first, bit i set = the
/// tuple at line pointer i + 1 is visible to the query's snapshot.
/// </summary>
public sealed class HeapPageDecoder
{
    public const int VisibilityBitmapBytes = 40;

    public HeapPageDecoder(RelationLayout relation, IReadOnlyList<int> attNums)
    {
        Relation = relation;
        AttNums = attNums;
    }

    public RelationLayout Relation { get; }

    public IReadOnlyList<int> AttNums { get; }

    /// <summary>An empty batch whose columns match AttNums (PgArrowMapping.CreateColumn).</summary>
    public RecordBatch NewBatch(int capacity) =>
        new([.. AttNums.Select(a => PgArrowMapping.CreateColumn(Relation.Attribute(a).Type, capacity))], 0);

    /// <summary>
    /// Appends the page's visible tuples to <paramref name="into"/>; returns how many. Corrupt
    /// input raises HeapDecodeException naming block, item and attribute.
    /// </summary>
    public int Decode(ReadOnlySpan<byte> page, ReadOnlySpan<byte> visibility, uint blockNumber, RecordBatch into, IDetoastedValues? detoasted)
    {
        _ = (page.Length, visibility.Length, blockNumber, into, detoasted);
        throw new NotImplementedException("heap decoder not built yet (walking skeleton in progress)");
    }
}
