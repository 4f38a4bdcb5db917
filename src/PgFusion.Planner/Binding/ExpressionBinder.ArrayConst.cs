using System.Buffers.Binary;
using PgFusion.Planner.Json;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// x op ANY ('{1,2,NULL}'::int4[]) and ALL over an array constant (what ORMs and parameters folded by
// the client send): the constant's elements become a literal list, as for ARRAY[...].
//
// The constant's bytes are PostgreSQL's ArrayType varlena (utils/array.h): a 4-byte varlena header,
// int32 ndim, int32 dataoffset (0 without a NULL bitmap), Oid elemtype, int32 dims[ndim],
// int32 lbound[ndim], then, when dataoffset != 0, a NULL bitmap of one bit per element (set = not
// NULL), and the elements from dataoffset (else from MAXALIGN(16 + 8 * ndim)). Each element starts at
// its type's alignment (typalign) from the array's start; a varlena element with a 1-byte header is
// not aligned (its first byte is non-zero where alignment padding would be zero: att_align_pointer).
public sealed partial class ExpressionBinder
{
    /// <summary>The elements of a one-dimensional array constant as constants of its element type.</summary>
    private List<BoundExpr> ArrayConstElements(QueryTreeNode node)
    {
        if (node.Bool("constisnull")) throw UnsupportedConstructException.NotYet("ANY/ALL over a NULL array");
        var value = node.Field("constvalue");
        string path = value.Path + ".bytes";
        ReadOnlySpan<byte> bytes = HexBytes.Parse(value.String("bytes"), path);
        if (bytes.Length < 16 || (bytes[0] & 0x03) != 0) throw UnsupportedConstructException.NotYet("array constant without a 4-byte varlena header");
        int size = (int)(BinaryPrimitives.ReadUInt32LittleEndian(bytes) >> 2);
        if (size < 16 || size > bytes.Length) throw new QueryJsonException(path, $"array header says {size} bytes, datum has {bytes.Length}");
        bytes = bytes[..size];
        int ndim = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        int dataOffset = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        uint elemOid = BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]);
        if (ndim == 0) return [];
        if (ndim != 1) throw UnsupportedConstructException.NotYet("multidimensional array");
        if (bytes.Length < 24) throw new QueryJsonException(path, "array shorter than its dimensions");
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes[16..]);
        var (length, align) = ElementLayout(elemOid)
            ?? throw UnsupportedConstructException.NotYet($"array constant of {TypeLabel(elemOid)} elements");
        var type = CheckType(new PgType(elemOid, -1));
        int bitmap = 24;
        int offset = dataOffset != 0 ? dataOffset : (24 + 7) & ~7;
        if (count < 0 || (dataOffset != 0 && bitmap + (count + 7) / 8 > bytes.Length)) throw new QueryJsonException(path, $"array of {count} elements does not fit its {bytes.Length} bytes");
        var elements = new List<BoundExpr>(count);
        for (int i = 0; i < count; i++)
        {
            if (dataOffset != 0 && (bytes[bitmap + i / 8] & (1 << (i % 8))) == 0)
            {
                elements.Add(new BoundConst(null, type));
                continue;
            }
            int n;
            if (length > 0)
            {
                offset = (offset + align - 1) & ~(align - 1);
                n = length;
            }
            else
            {
                if (offset >= bytes.Length) throw new QueryJsonException(path, $"array element {i + 1} starts past the array's end");
                if (bytes[offset] == 0) offset = (offset + align - 1) & ~(align - 1);
                if (offset >= bytes.Length) throw new QueryJsonException(path, $"array element {i + 1} starts past the array's end");
                n = (bytes[offset] & 0x01) == 0x01 ? bytes[offset] >> 1
                    : offset + 4 <= bytes.Length ? (int)(BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]) >> 2) : int.MaxValue;
            }
            if (n < 1 || offset + n > bytes.Length) throw new QueryJsonException(path, $"array element {i + 1} runs past the array's end");
            elements.Add(new BoundConst(DatumDecoder.Decode(type, bytes.Slice(offset, n), path), type));
            offset += n;
        }
        return elements;
    }

    /// <summary>typlen and typalign of the element types decoded here (pg_type.dat).</summary>
    private static (int Length, int Align)? ElementLayout(uint oid) => oid switch
    {
        PgTypeOid.Bool => (1, 1),
        PgTypeOid.Int2 => (2, 2),
        PgTypeOid.Int4 or PgTypeOid.Date or PgTypeOid.Float4 => (4, 4),
        PgTypeOid.Int8 or PgTypeOid.Timestamp or PgTypeOid.Float8 => (8, 8),
        PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Numeric => (-1, 4),
        _ => null,
    };
}
