using System.Buffers;
using System.Buffers.Binary;

namespace PgFusion.Ipc;

/// <summary>One entry of DONE's memory section: the most bytes the buffering operators of one plan node held at once.</summary>
/// <param name="Node">The node's line in the PgFusion plan EXPLAIN shows (1 = the first line); 0 = not attributed.</param>
public readonly record struct DoneMemoryEntry(uint Node, ulong PeakBytes);

/// <summary>
/// DONE's memory section, after the spill section (docs/ipc.md 5.5; PgfDoneMemoryHeader and
/// PgfDoneMemory in pgfusion_ipc.h, little-endian, unaligned): a 24-byte header (u32 version,
/// u32 count, u32 entry_size, u32 reserved, u64 peak: the most bytes the execution's operators
/// held at once), then <c>count</c> entries of <see cref="EntryBytes"/> bytes (u32 node, u32
/// reserved, u64 peak bytes), ordered by node.
/// </summary>
public static class DoneMemorySection
{
    /// <summary>PGF_DONE_MEMORY_VERSION.</summary>
    public const uint Version = 1;

    public const int HeaderBytes = 24;

    /// <summary>sizeof(PgfDoneMemory).</summary>
    public const int EntryBytes = 16;

    public static void Write(IBufferWriter<byte> w, ulong peakBytes, IReadOnlyList<DoneMemoryEntry> entries)
    {
        var span = w.GetSpan(HeaderBytes + EntryBytes * entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(span, Version);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], EntryBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], 0); // reserved
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], peakBytes);
        for (int i = 0; i < entries.Count; i++)
        {
            var e = span.Slice(HeaderBytes + EntryBytes * i, EntryBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(e, entries[i].Node);
            BinaryPrimitives.WriteUInt32LittleEndian(e[4..], 0); // reserved
            BinaryPrimitives.WriteUInt64LittleEndian(e[8..], entries[i].PeakBytes);
        }
        w.Advance(HeaderBytes + EntryBytes * entries.Count);
    }
}
