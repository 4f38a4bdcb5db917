using System.Buffers.Binary;
using PgFusion.HeapDecoder;
using PgFusion.Ipc;

namespace PgFusion.Worker;

/// <summary>The external TOAST values the backend sent beside a page (PAGE toast entries), copied.</summary>
internal sealed class DetoastedValues : IDetoastedValues
{
    private readonly Dictionary<(ushort Offset, int AttNum), byte[]> values = [];

    /// <summary>Parses <paramref name="count"/> entries: u16 offnum, u16 attnum, u32 len, value[len].</summary>
    public static DetoastedValues? Parse(ReadOnlySpan<byte> entries, uint count)
    {
        if (count == 0)
            return null;
        var result = new DetoastedValues();
        int at = 0;
        for (uint i = 0; i < count; i++)
        {
            if (at + 8 > entries.Length)
                throw new IpcException($"PAGE toast entry {i} is truncated at byte {at}");
            ushort offnum = BinaryPrimitives.ReadUInt16LittleEndian(entries[at..]);
            ushort attnum = BinaryPrimitives.ReadUInt16LittleEndian(entries[(at + 2)..]);
            uint len = BinaryPrimitives.ReadUInt32LittleEndian(entries[(at + 4)..]);
            at += 8;
            if ((ulong)at + len > (ulong)entries.Length)
                throw new IpcException($"PAGE toast entry {i} (item {offnum}, attribute {attnum}) claims {len} bytes, {entries.Length - at} remain");
            result.values[(offnum, attnum)] = entries.Slice(at, (int)len).ToArray();
            at += (int)len;
        }
        return result;
    }

    public bool TryGet(ushort offsetNumber, int attNum, out ReadOnlySpan<byte> value)
    {
        if (values.TryGetValue((offsetNumber, attNum), out var v))
        {
            value = v;
            return true;
        }
        value = default;
        return false;
    }
}
