using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PgFusion.Arrow;

namespace PgFusion.HeapDecoder.Primitive;

/// <summary>
/// int2, int4, int8, oid, float4, float8 and the temporal types whose in-memory form is the stored
/// little-endian integer (date, time, timestamp, timestamptz: PostgreSQL's epoch is kept):
/// the datum is copied as is.
/// </summary>
internal sealed class FixedWidthDecoder<T> : Tuple.ValueDecoder where T : unmanaged
{
    private T[] _values = [];

    protected override void Bind(Column column, int capacity)
    {
        var typed = Expect<PrimitiveColumn<T>>(column);
        typed.EnsureCapacity(capacity);
        _values = typed.Values;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override void Decode(ReadOnlySpan<byte> datum, int row)
    {
        _values[row] = Unsafe.ReadUnaligned<T>(ref MemoryMarshal.GetReference(datum));
        MarkValid(row);
    }

    public override Array? DirectValues => _values;

    protected override void WriteNull(int row) => _values[row] = default;
}
