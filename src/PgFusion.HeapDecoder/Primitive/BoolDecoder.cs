using PgFusion.Arrow;

namespace PgFusion.HeapDecoder.Primitive;

/// <summary>bool: one byte, non-zero = true; bit-packed into an Arrow Boolean array.</summary>
internal sealed class BoolDecoder : Tuple.ValueDecoder
{
    private BooleanColumn _column = null!;

    protected override void Bind(Column column, int capacity)
    {
        _column = Expect<BooleanColumn>(column);
        _column.EnsureCapacity(capacity);
    }

    public override void Decode(ReadOnlySpan<byte> datum, int row)
    {
        _column.Set(row, datum[0] != 0);
        MarkValid(row);
    }

    protected override void WriteNull(int row) => _column.Set(row, false);
}
