using System.Buffers.Binary;
using PgFusion.Arrow;
using PgFusion.Codegen.Execution;
using PgFusion.Codegen.Kernels;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Output;

/// <summary>
/// Encodes result rows as PostgreSQL MinimalTuples exactly as heap_form_minimal_tuple builds
/// them (POSTGRES_FORMATS.md): t_len, t_infomask2 = natts, HEAP_HASNULL / HEAP_HASVARWIDTH as
/// heap_fill_tuple sets them, t_hoff stored + 8 (MINIMAL_TUPLE_OFFSET), the null bitmap (bit set
/// = not null), attributes aligned per typalign relative to the data start with zeroed padding,
/// varlenas with a 1-byte header when the whole datum fits 127 bytes, else 4-byte aligned with a
/// 4-byte header.
/// </summary>
public sealed class MinimalTupleEncoder
{
    private const int HeaderSize = 15; // offsetof(MinimalTupleData, t_bits)
    private const ushort HeapHasNull = 0x0001;
    private const ushort HeapHasVarWidth = 0x0002;
    private const int MinimalTupleOffset = 8;

    private enum Field : byte
    {
        Bool, Int2, Int4, Int8, Oid, Float4, Float8, Numeric, Varlena, Name, Uuid, Interval,
    }

    private readonly Field[] fields;
    private byte[] buffer = new byte[256];

    public MinimalTupleEncoder(IReadOnlyList<PgType> types)
    {
        fields = types.Select(t => t.Oid switch
        {
            PgTypeOid.Bool => Field.Bool,
            PgTypeOid.Int2 => Field.Int2,
            PgTypeOid.Int4 or PgTypeOid.Date => Field.Int4,
            PgTypeOid.Int8 or PgTypeOid.Timestamp or PgTypeOid.Timestamptz or PgTypeOid.Time => Field.Int8,
            PgTypeOid.Oid => Field.Oid,
            PgTypeOid.Float4 => Field.Float4,
            PgTypeOid.Float8 => Field.Float8,
            PgTypeOid.Numeric => Field.Numeric,
            PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Bytea => Field.Varlena,
            PgTypeOid.Name => Field.Name,
            PgTypeOid.Uuid => Field.Uuid,
            PgTypeOid.Interval => Field.Interval,
            _ => throw new UnsupportedException($"result type {t} is not supported"),
        }).ToArray();
    }

    /// <summary>Encodes every live row of <paramref name="batch"/> into <paramref name="sink"/>.</summary>
    public void Write(RecordBatch batch, IResultSink sink)
    {
        int live = batch.LiveRows;
        for (int k = 0; k < live; k++)
        {
            int row = batch.Selection is { } s ? s[k] : k;
            sink.WriteTuple(Encode(batch.Columns, row));
        }
    }

    /// <summary>The MinimalTuple of row <paramref name="row"/>; valid until the next call.</summary>
    public ReadOnlySpan<byte> Encode(IReadOnlyList<Column> columns, int row)
    {
        int natts = fields.Length;
        bool hasNull = false;
        for (int a = 0; a < natts; a++)
        {
            if (columns[a].IsNull(row))
            {
                hasNull = true;
                break;
            }
        }
        int hoff = HeaderSize + (hasNull ? (natts + 7) / 8 : 0);
        hoff = (hoff + 7) & ~7;
        Ensure(hoff + 64);
        Array.Clear(buffer, 0, hoff);
        ushort infomask = hasNull ? HeapHasNull : (ushort)0;
        int off = hoff;
        for (int a = 0; a < natts; a++)
        {
            var col = columns[a];
            if (col.IsNull(row)) continue;
            if (hasNull) buffer[HeaderSize + (a >> 3)] |= (byte)(1 << (a & 7));
            switch (fields[a])
            {
                case Field.Bool:
                    Ensure(off + 1);
                    buffer[off++] = ((BooleanColumn)col).Get(row) ? (byte)1 : (byte)0;
                    break;
                case Field.Int2:
                    off = Align(off, 2, 2);
                    BinaryPrimitives.WriteInt16LittleEndian(buffer.AsSpan(off), ((PrimitiveColumn<short>)col).Values[row]);
                    off += 2;
                    break;
                case Field.Int4:
                    off = Align(off, 4, 4);
                    BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(off), ((PrimitiveColumn<int>)col).Values[row]);
                    off += 4;
                    break;
                case Field.Oid:
                    off = Align(off, 4, 4);
                    BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(off), ((PrimitiveColumn<uint>)col).Values[row]);
                    off += 4;
                    break;
                case Field.Int8:
                    off = Align(off, 8, 8);
                    BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(off), ((PrimitiveColumn<long>)col).Values[row]);
                    off += 8;
                    break;
                case Field.Float4:
                    off = Align(off, 4, 4);
                    BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(off), ((PrimitiveColumn<float>)col).Values[row]);
                    off += 4;
                    break;
                case Field.Float8:
                    off = Align(off, 8, 8);
                    BinaryPrimitives.WriteDoubleLittleEndian(buffer.AsSpan(off), ((PrimitiveColumn<double>)col).Values[row]);
                    off += 8;
                    break;
                case Field.Interval:
                    off = Align(off, 8, 16);
                    var iv = ((PrimitiveColumn<PgInterval>)col).Values[row];
                    BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(off), iv.Micros);
                    BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(off + 8), iv.Days);
                    BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(off + 12), iv.Months);
                    off += 16;
                    break;
                case Field.Uuid:
                    Ensure(off + 16);
                    BinaryPrimitives.WriteUInt128BigEndian(buffer.AsSpan(off), ((PrimitiveColumn<UInt128>)col).Values[row]);
                    off += 16;
                    break;
                case Field.Name:
                    Ensure(off + 64);
                    var name = ((VarBinaryColumn)col).GetBytes(row);
                    buffer.AsSpan(off, 64).Clear();
                    name[..Math.Min(name.Length, 63)].CopyTo(buffer.AsSpan(off));
                    off += 64;
                    break;
                case Field.Varlena:
                    infomask |= HeapHasVarWidth;
                    off = WriteVarlena(off, ((VarBinaryColumn)col).GetBytes(row));
                    break;
                case Field.Numeric:
                    infomask |= HeapHasVarWidth;
                    var num = KernelColumns.GetNumeric((DecimalColumn)col, row);
                    int max = NumericEncoding.MaxSize(num);
                    Ensure(off + max + 8);
                    // Write the payload after the largest header, then place it.
                    int tmp = off + 8;
                    int len = NumericEncoding.Write(num, buffer.AsSpan(tmp));
                    off = PlaceVarlena(off, tmp, len);
                    break;
            }
        }
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)off);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(10), (ushort)natts);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(12), infomask);
        buffer[14] = (byte)(hoff + MinimalTupleOffset);
        return buffer.AsSpan(0, off);
    }

    private int WriteVarlena(int off, ReadOnlySpan<byte> payload)
    {
        Ensure(off + payload.Length + 8);
        if (payload.Length + 1 <= 127)
        {
            buffer[off] = (byte)(((payload.Length + 1) << 1) | 1);
            payload.CopyTo(buffer.AsSpan(off + 1));
            return off + 1 + payload.Length;
        }
        off = Align(off, 4, 4 + payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(off), (uint)(payload.Length + 4) << 2);
        payload.CopyTo(buffer.AsSpan(off + 4));
        return off + 4 + payload.Length;
    }

    /// <summary>Moves a payload written at <paramref name="tmp"/> to its varlena place at <paramref name="off"/>.</summary>
    private int PlaceVarlena(int off, int tmp, int len)
    {
        if (len + 1 <= 127)
        {
            buffer.AsSpan(tmp, len).CopyTo(buffer.AsSpan(off + 1));
            buffer[off] = (byte)(((len + 1) << 1) | 1);
            return off + 1 + len;
        }
        int aligned = (off + 3) & ~3;
        buffer.AsSpan(tmp, len).CopyTo(buffer.AsSpan(aligned + 4));
        buffer.AsSpan(off, aligned - off).Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(aligned), (uint)(len + 4) << 2);
        return aligned + 4 + len;
    }

    /// <summary>Pads with zeros up to the alignment and makes room for <paramref name="size"/> more bytes.</summary>
    private int Align(int off, int align, int size)
    {
        int aligned = (off + align - 1) & ~(align - 1);
        Ensure(aligned + size);
        buffer.AsSpan(off, aligned - off).Clear();
        return aligned;
    }

    private void Ensure(int size)
    {
        if (size > buffer.Length) Array.Resize(ref buffer, Math.Max(size, buffer.Length * 2));
    }
}
