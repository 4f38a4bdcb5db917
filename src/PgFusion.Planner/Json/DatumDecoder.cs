using System.Buffers.Binary;
using System.Text;
using PgFusion.Types;

namespace PgFusion.Planner.Json;

/// <summary>
/// Decodes a Const's raw datum bytes (outfuncs' <c>LEN [ b0 b1 ... ]</c>, as hex) into the CLR
/// value <c>BoundConst</c> documents. By-value types are the low bytes of the little-endian Datum;
/// by-reference types are the value itself (a varlena with its header, or fixed-length bytes).
/// </summary>
public static class DatumDecoder
{
    /// <summary>The types whose constants can be decoded; null for others.</summary>
    public static object Decode(PgType type, ReadOnlySpan<byte> bytes, string path)
    {
        switch (type.Oid)
        {
            case PgTypeOid.Bool: return Need(bytes, 1, path)[0] != 0;
            case PgTypeOid.Char: return (sbyte)Need(bytes, 1, path)[0];
            case PgTypeOid.Int2: return BinaryPrimitives.ReadInt16LittleEndian(Need(bytes, 2, path));
            case PgTypeOid.Int4: return BinaryPrimitives.ReadInt32LittleEndian(Need(bytes, 4, path));
            case PgTypeOid.Date: return BinaryPrimitives.ReadInt32LittleEndian(Need(bytes, 4, path));
            case PgTypeOid.Oid: return BinaryPrimitives.ReadUInt32LittleEndian(Need(bytes, 4, path));
            case PgTypeOid.Int8:
            case PgTypeOid.Time:
            case PgTypeOid.Timestamp:
            case PgTypeOid.Timestamptz:
                return BinaryPrimitives.ReadInt64LittleEndian(Need(bytes, 8, path));
            case PgTypeOid.Float4: return BinaryPrimitives.ReadSingleLittleEndian(Need(bytes, 4, path));
            case PgTypeOid.Float8: return BinaryPrimitives.ReadDoubleLittleEndian(Need(bytes, 8, path));
            case PgTypeOid.Interval:
                var iv = Need(bytes, 16, path);
                return new PgInterval(BinaryPrimitives.ReadInt64LittleEndian(iv), BinaryPrimitives.ReadInt32LittleEndian(iv[8..]), BinaryPrimitives.ReadInt32LittleEndian(iv[12..]));
            case PgTypeOid.Uuid: return new Guid(Need(bytes, 16, path), bigEndian: true);
            case PgTypeOid.Name:
                // NAMEDATALEN bytes, NUL-padded: the name is every byte before the first NUL (not only the first byte)
                if (bytes.IsEmpty) throw new QueryJsonException(path, "datum has 0 bytes, the type needs 1");
                int nul = bytes.IndexOf((byte)0);
                return Utf8(nul >= 0 ? bytes[..nul] : bytes, path);
            case PgTypeOid.Numeric: return NumericDatum.Decode(VarlenaPayload(bytes, path), path);
            case PgTypeOid.Text:
            case PgTypeOid.Varchar:
            case PgTypeOid.Bpchar:
                return Utf8(VarlenaPayload(bytes, path), path);
            case PgTypeOid.Bytea: return VarlenaPayload(bytes, path).ToArray();
            default: throw new QueryJsonException(path, $"no decoder for constants of type {type}");
        }
    }

    public static bool CanDecode(uint typeOid) => typeOid is PgTypeOid.Bool or PgTypeOid.Char or PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Date
        or PgTypeOid.Oid or PgTypeOid.Int8 or PgTypeOid.Time or PgTypeOid.Timestamp or PgTypeOid.Timestamptz or PgTypeOid.Float4
        or PgTypeOid.Float8 or PgTypeOid.Interval or PgTypeOid.Uuid or PgTypeOid.Name or PgTypeOid.Numeric or PgTypeOid.Text
        or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Bytea;

    /// <summary>The bytes after a varlena's header: 4-byte header (uncompressed) or 1-byte header.</summary>
    public static ReadOnlySpan<byte> VarlenaPayload(ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.Length < 1) throw new QueryJsonException(path, "empty varlena datum");
        byte first = bytes[0];
        if (first == 0x01) throw new QueryJsonException(path, "varlena datum is a TOAST pointer");
        if ((first & 0x01) == 0x01)
        {
            int total = first >> 1;
            if (total < 1 || total > bytes.Length) throw new QueryJsonException(path, $"1-byte varlena header says {total} bytes, datum has {bytes.Length}");
            return bytes[1..total];
        }
        if ((first & 0x03) == 0x02) throw new QueryJsonException(path, "varlena datum is compressed");
        if (bytes.Length < 4) throw new QueryJsonException(path, "varlena datum shorter than its 4-byte header");
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(bytes) >> 2;
        if (size < 4 || size > bytes.Length) throw new QueryJsonException(path, $"varlena header says {size} bytes, datum has {bytes.Length}");
        return bytes[4..(int)size];
    }

    private static ReadOnlySpan<byte> Need(ReadOnlySpan<byte> bytes, int n, string path) =>
        bytes.Length >= n ? bytes[..n] : throw new QueryJsonException(path, $"datum has {bytes.Length} bytes, the type needs {n}");

    private static string Utf8(ReadOnlySpan<byte> bytes, string path)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new QueryJsonException(path, "text constant is not valid UTF-8", e);
        }
    }
}
