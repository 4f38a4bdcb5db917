using System.Buffers.Binary;
using PgFusion.Arrow;

namespace PgFusion.HeapDecoder.Primitive;

/// <summary>uuid: 16 bytes in network order, held as a big-endian UInt128 so integer order is PostgreSQL's byte order.</summary>
internal sealed class UuidDecoder : Tuple.ValueDecoder
{
    private UInt128[] _values = [];

    protected override void Bind(Column column, int capacity)
    {
        var typed = Expect<PrimitiveColumn<UInt128>>(column);
        typed.EnsureCapacity(capacity);
        _values = typed.Values;
    }

    public override void Decode(ReadOnlySpan<byte> datum, int row)
    {
        _values[row] = BinaryPrimitives.ReadUInt128BigEndian(datum);
        MarkValid(row);
    }

    protected override void WriteNull(int row) => _values[row] = default;
}
