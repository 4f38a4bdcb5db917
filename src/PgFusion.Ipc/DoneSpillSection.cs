using System.Buffers;
using System.Buffers.Binary;

namespace PgFusion.Ipc;

/// <summary>One entry of DONE's spill section: files and bytes one kind of operator of one plan node wrote.</summary>
/// <param name="Node">The node's line in the PgFusion plan EXPLAIN shows (1 = the first line); 0 = not attributed.</param>
/// <param name="Operator">A PgfSpillOperator value (SpillOperator in the worker).</param>
public readonly record struct DoneSpillEntry(uint Node, uint Operator, uint Files, ulong Bytes);

/// <summary>
/// DONE's last section (docs/ipc.md 5.4; PgfDoneSpillHeader and PgfDoneSpill in pgfusion_ipc.h,
/// little-endian, unaligned): a 16-byte header (u32 version, u32 count, u32 entry_size, u32
/// reserved), then <c>count</c> entries of <see cref="EntryBytes"/> bytes (u32 op, u32 files,
/// u64 bytes, u32 node, u32 reserved).
/// </summary>
public static class DoneSpillSection
{
    /// <summary>PGF_DONE_SPILL_VERSION: 2 since entries are per plan node (1: per kind of operator, node 0).</summary>
    public const uint Version = 2;

    public const int HeaderBytes = 16;

    /// <summary>sizeof(PgfDoneSpill).</summary>
    public const int EntryBytes = 24;

    public static void Write(IBufferWriter<byte> w, IReadOnlyList<DoneSpillEntry> entries)
    {
        var span = w.GetSpan(HeaderBytes + EntryBytes * entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(span, Version);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], EntryBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], 0); // reserved
        for (int i = 0; i < entries.Count; i++)
        {
            var e = span.Slice(HeaderBytes + EntryBytes * i, EntryBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(e, entries[i].Operator);
            BinaryPrimitives.WriteUInt32LittleEndian(e[4..], entries[i].Files);
            BinaryPrimitives.WriteUInt64LittleEndian(e[8..], entries[i].Bytes);
            BinaryPrimitives.WriteUInt32LittleEndian(e[16..], entries[i].Node);
            BinaryPrimitives.WriteUInt32LittleEndian(e[20..], 0); // reserved
        }
        w.Advance(HeaderBytes + EntryBytes * entries.Count);
    }
}
