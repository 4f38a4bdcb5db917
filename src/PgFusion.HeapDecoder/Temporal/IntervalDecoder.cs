using System.Buffers.Binary;
using PgFusion.Arrow;
using PgFusion.Types;

namespace PgFusion.HeapDecoder.Temporal;

/// <summary>interval: int64 microseconds, int32 days, int32 months, kept as PostgreSQL stores them.</summary>
internal sealed class IntervalDecoder : Tuple.ValueDecoder
{
    private PgInterval[] _values = [];

    protected override void Bind(Column column, int capacity)
    {
        var typed = Expect<PrimitiveColumn<PgInterval>>(column);
        typed.EnsureCapacity(capacity);
        _values = typed.Values;
    }

    public override void Decode(ReadOnlySpan<byte> datum, int row)
    {
        _values[row] = new PgInterval(
            BinaryPrimitives.ReadInt64LittleEndian(datum),
            BinaryPrimitives.ReadInt32LittleEndian(datum[8..]),
            BinaryPrimitives.ReadInt32LittleEndian(datum[12..]));
        MarkValid(row);
    }

    protected override void WriteNull(int row) => _values[row] = default;
}
