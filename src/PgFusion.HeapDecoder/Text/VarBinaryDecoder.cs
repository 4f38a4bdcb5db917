using PgFusion.Arrow;

namespace PgFusion.HeapDecoder.Text;

/// <summary>
/// text, varchar, bpchar (trailing spaces kept, as stored) and bytea: the varlena payload is
/// appended to the Utf8/Binary data buffer. The database encoding is UTF-8, so text bytes are
/// already Arrow Utf8.
/// </summary>
internal class VarBinaryDecoder : Tuple.ValueDecoder
{
    private VarBinaryColumn _column = null!;
    private int[] _offsets = [];
    private byte[] _data = [];

    protected override void Bind(Column column, int capacity)
    {
        _column = Expect<VarBinaryColumn>(column);
        _column.EnsureCapacity(capacity);
        _offsets = _column.Offsets;
        _data = _column.Data;
    }

    public override void Decode(ReadOnlySpan<byte> datum, int row)
    {
        Append(datum, row);
        MarkValid(row);
    }

    protected void Append(ReadOnlySpan<byte> value, int row)
    {
        int start = _offsets[row];
        int end = start + value.Length;
        if (end > _data.Length)
        {
            // EnsureDataCapacity keeps Offsets[Length] bytes: make Length count the rows so far.
            _column.Length = row;
            _column.EnsureDataCapacity(end);
            _data = _column.Data;
        }
        if (value.Length <= 8)
        {
            // char(1) flags and short codes: a call to memmove costs more than the copy
            var data = _data;
            for (int k = 0; k < value.Length; k++) data[start + k] = value[k];
        }
        else
        {
            value.CopyTo(_data.AsSpan(start));
        }
        _offsets[row + 1] = end;
    }

    protected override void WriteNull(int row) => _offsets[row + 1] = _offsets[row];
}
