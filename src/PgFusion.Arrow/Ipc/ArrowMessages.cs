using System.Globalization;

namespace PgFusion.Arrow.Ipc;

/// <summary>
/// The FlatBuffers metadata of Arrow IPC messages (format/Message.fbs and format/Schema.fbs of
/// the Arrow specification, metadata version V5). Field numbers below are the declaration order
/// in those files; union members take two slots (the type byte, then the offset).
/// </summary>
internal static class ArrowMessages
{
    private const short MetadataVersionV5 = 4;

    // MessageHeader union members.
    private const byte HeaderSchema = 1;
    private const byte HeaderRecordBatch = 3;

    // Type union members.
    private const byte TypeNull = 1;
    private const byte TypeInt = 2;
    private const byte TypeFloatingPoint = 3;
    private const byte TypeBinary = 4;
    private const byte TypeUtf8 = 5;
    private const byte TypeBool = 6;
    private const byte TypeDecimal = 7;
    private const byte TypeDate = 8;
    private const byte TypeTime = 9;
    private const byte TypeTimestamp = 10;
    private const byte TypeInterval = 11;
    private const byte TypeFixedSizeBinary = 15;

    private const short PrecisionSingle = 1;
    private const short PrecisionDouble = 2;
    private const short DateUnitDay = 0;
    private const short TimeUnitMicrosecond = 2;
    private const short IntervalUnitMonthDayNano = 2;

    /// <summary>A Message whose header is the Schema.</summary>
    public static ReadOnlySpan<byte> Schema(FlatBufferBuilder b, ArrowSchema schema)
    {
        b.Clear();
        var fields = new int[schema.Fields.Count];
        for (int i = 0; i < fields.Length; i++) fields[i] = Field(b, schema.Fields[i]);
        int fieldVector = b.CreateOffsetVector(fields);

        b.StartTable(4);
        b.AddFieldShort(0, 0);               // endianness: Little
        b.AddFieldOffset(1, fieldVector);    // fields
        int header = b.EndTable();
        return Message(b, HeaderSchema, header, 0);
    }

    /// <summary>A Message whose header is a RecordBatch; nodes are (length, null_count), buffers (offset, length) in the body.</summary>
    public static ReadOnlySpan<byte> RecordBatch(FlatBufferBuilder b, long length, ReadOnlySpan<(long, long)> nodes, ReadOnlySpan<(long, long)> buffers, long bodyLength)
    {
        b.Clear();
        int nodeVector = b.CreateLongPairVector(nodes);
        int bufferVector = b.CreateLongPairVector(buffers);
        b.StartTable(5);
        b.AddFieldLong(0, length);
        b.AddFieldOffset(1, nodeVector);
        b.AddFieldOffset(2, bufferVector);
        int header = b.EndTable();
        return Message(b, HeaderRecordBatch, header, bodyLength);
    }

    private static ReadOnlySpan<byte> Message(FlatBufferBuilder b, byte headerType, int header, long bodyLength)
    {
        b.StartTable(5);
        b.AddFieldLong(3, bodyLength);
        b.AddFieldOffset(2, header);
        b.AddFieldShort(0, MetadataVersionV5);
        b.AddFieldByte(1, headerType);
        return b.Finish(b.EndTable());
    }

    private static int Field(FlatBufferBuilder b, ArrowField field)
    {
        int name = b.CreateString(field.Name);
        var (typeType, type) = Type(b, field.Type);
        // Some readers (Arrow C++) insist on a children vector even for primitive types.
        int children = b.CreateOffsetVector([]);
        int metadata = 0;
        if (field.PgType is { } pg)
        {
            int[] pairs =
            [
                KeyValue(b, ArrowSchema.PgTypeKey, pg.ToString()),
                KeyValue(b, ArrowSchema.PgTypeOidKey, pg.Oid.ToString(CultureInfo.InvariantCulture)),
                KeyValue(b, ArrowSchema.PgTypmodKey, pg.Typmod.ToString(CultureInfo.InvariantCulture)),
            ];
            metadata = b.CreateOffsetVector(pairs);
        }

        b.StartTable(7);
        b.AddFieldOffset(0, name);
        b.AddFieldOffset(3, type);
        b.AddFieldOffset(5, children);
        if (metadata != 0) b.AddFieldOffset(6, metadata);
        b.AddFieldBool(1, field.Nullable);
        b.AddFieldByte(2, typeType);
        return b.EndTable();
    }

    private static int KeyValue(FlatBufferBuilder b, string key, string value)
    {
        int k = b.CreateString(key);
        int v = b.CreateString(value);
        b.StartTable(2);
        b.AddFieldOffset(0, k);
        b.AddFieldOffset(1, v);
        return b.EndTable();
    }

    private static (byte TypeType, int Table) Type(FlatBufferBuilder b, ArrowType type)
    {
        switch (type.Id)
        {
            case ArrowTypeId.Null: return (TypeNull, Empty(b));
            case ArrowTypeId.Boolean: return (TypeBool, Empty(b));
            case ArrowTypeId.Int16: return (TypeInt, Int(b, 16, true));
            case ArrowTypeId.Int32: return (TypeInt, Int(b, 32, true));
            case ArrowTypeId.Int64: return (TypeInt, Int(b, 64, true));
            case ArrowTypeId.UInt32: return (TypeInt, Int(b, 32, false));
            case ArrowTypeId.Float32: return (TypeFloatingPoint, OneShort(b, PrecisionSingle));
            case ArrowTypeId.Float64: return (TypeFloatingPoint, OneShort(b, PrecisionDouble));
            case ArrowTypeId.Utf8: return (TypeUtf8, Empty(b));
            case ArrowTypeId.Binary: return (TypeBinary, Empty(b));
            case ArrowTypeId.Date32: return (TypeDate, OneShort(b, DateUnitDay));
            case ArrowTypeId.Interval: return (TypeInterval, OneShort(b, IntervalUnitMonthDayNano));
            case ArrowTypeId.Decimal128:
                b.StartTable(3);
                b.AddFieldInt(0, type.Precision);
                b.AddFieldInt(1, type.Scale);
                b.AddFieldInt(2, 128);
                return (TypeDecimal, b.EndTable());
            case ArrowTypeId.FixedSizeBinary:
                b.StartTable(1);
                b.AddFieldInt(0, type.ByteWidth);
                return (TypeFixedSizeBinary, b.EndTable());
            case ArrowTypeId.Time64:
                b.StartTable(2);
                b.AddFieldInt(1, 64);
                b.AddFieldShort(0, TimeUnitMicrosecond);
                return (TypeTime, b.EndTable());
            case ArrowTypeId.Timestamp:
                int tz = type.TimeZone is null ? 0 : b.CreateString(type.TimeZone);
                b.StartTable(2);
                if (tz != 0) b.AddFieldOffset(1, tz);
                b.AddFieldShort(0, TimeUnitMicrosecond);
                return (TypeTimestamp, b.EndTable());
            default:
                throw new NotSupportedException($"Arrow IPC: no encoding for {type}");
        }
    }

    private static int Empty(FlatBufferBuilder b)
    {
        b.StartTable(0);
        return b.EndTable();
    }

    private static int Int(FlatBufferBuilder b, int bitWidth, bool signed)
    {
        b.StartTable(2);
        b.AddFieldInt(0, bitWidth);
        b.AddFieldBool(1, signed);
        return b.EndTable();
    }

    private static int OneShort(FlatBufferBuilder b, short value)
    {
        b.StartTable(1);
        b.AddFieldShort(0, value);
        return b.EndTable();
    }
}
