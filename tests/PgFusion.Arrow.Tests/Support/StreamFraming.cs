using System.Buffers.Binary;

namespace PgFusion.Arrow.Tests.Support;

/// <summary>
/// Walks the encapsulated messages of an IPC stream by the spec's framing alone: 0xFFFFFFFF,
/// int32 metadata length, metadata, body. The body length comes from the Message table's
/// bodyLength field (field 3), read through the FlatBuffers vtable.
/// </summary>
public static class StreamFraming
{
    public sealed record Message(long Start, int MetadataLength, long BodyStart, long BodyLength);

    public static List<Message> Messages(byte[] stream)
    {
        var messages = new List<Message>();
        int pos = 0;
        while (true)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(pos)) != 0xFFFFFFFF)
                throw new InvalidDataException($"no continuation marker at {pos}");
            int metaLength = BinaryPrimitives.ReadInt32LittleEndian(stream.AsSpan(pos + 4));
            if (metaLength == 0)
            {
                if (pos + 8 != stream.Length) throw new InvalidDataException($"bytes after the end-of-stream marker at {pos}");
                return messages;
            }
            var meta = stream.AsSpan(pos + 8, metaLength);
            int table = BinaryPrimitives.ReadInt32LittleEndian(meta);
            int vtable = table - BinaryPrimitives.ReadInt32LittleEndian(meta[table..]);
            int vtableSize = BinaryPrimitives.ReadUInt16LittleEndian(meta[vtable..]);
            long bodyLength = 0;
            if (vtableSize > 4 + 2 * 3)
            {
                int field = BinaryPrimitives.ReadUInt16LittleEndian(meta[(vtable + 4 + 2 * 3)..]);
                if (field != 0) bodyLength = BinaryPrimitives.ReadInt64LittleEndian(meta[(table + field)..]);
            }
            long bodyStart = pos + 8 + metaLength;
            messages.Add(new Message(pos, metaLength, bodyStart, bodyLength));
            pos = checked((int)(bodyStart + bodyLength));
        }
    }
}
