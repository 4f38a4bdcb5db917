using PgFusion.TestSupport.Slt;
using Xunit;

namespace PgFusion.Ipc.Tests;

/// <summary>ShmemLayout, the enums and the sizes in src/PgFusion.Ipc agree with native/pg_hooks/pgfusion_ipc.h.</summary>
public sealed class ShmemLayoutTests
{
    private static readonly CHeader Header = new(Path.Combine(SltCorpus.RepositoryRoot(), "native", "pg_hooks", "pgfusion_ipc.h"));

    /// <summary>Every C# offset constant and the C field it mirrors (docs/ipc.md has the same table).</summary>
    public static TheoryData<string, string, int> Fields => new()
    {
        { "PgfHeader", "magic", ShmemLayout.HMagic },
        { "PgfHeader", "layout_version", ShmemLayout.HLayoutVersion },
        { "PgfHeader", "total_size", ShmemLayout.HTotalSize },
        { "PgfHeader", "slot_count", ShmemLayout.HSlotCount },
        { "PgfHeader", "ring_capacity", ShmemLayout.HRingCapacity },
        { "PgfHeader", "page_count", ShmemLayout.HPageCount },
        { "PgfHeader", "session_page_quota", ShmemLayout.HSessionPageQuota },
        { "PgfHeader", "max_message_bytes", ShmemLayout.HMaxMessageBytes },
        { "PgfHeader", "worker_state", ShmemLayout.HWorkerState },
        { "PgfHeader", "worker_pid", ShmemLayout.HWorkerPid },
        { "PgfHeader", "dispatcher_wake", ShmemLayout.HDispatcherWake },
        { "PgfHeader", "dispatcher_sleeping", ShmemLayout.HDispatcherSleeping },
        { "PgfHeader", "worker_epoch", ShmemLayout.HWorkerEpoch },
        { "PgfHeader", "slots_offset", ShmemLayout.HSlotsOffset },
        { "PgfHeader", "slot_stride", ShmemLayout.HSlotStride },
        { "PgfHeader", "page_states_offset", ShmemLayout.HPageStatesOffset },
        { "PgfHeader", "pages_offset", ShmemLayout.HPagesOffset },
        { "PgfHeader", "page_stride", ShmemLayout.HPageStride },
        { "PgfHeader", "page_alloc_hint", ShmemLayout.HPageAllocHint },
        { "PgfHeader", "status_message", ShmemLayout.HStatusMessage },
        { "PgfHeader", "buffer_blocks", ShmemLayout.HBufferBlocks },
        { "PgfHeader", "nbuffers", ShmemLayout.HNBuffers },
        { "PgfHeader", "block_size", ShmemLayout.HBlockSize },
        { "PgfSlotHeader", "state", ShmemLayout.SState },
        { "PgfSlotHeader", "generation", ShmemLayout.SGeneration },
        { "PgfSlotHeader", "backend_pid", ShmemLayout.SBackendPid },
        { "PgfSlotHeader", "worker_epoch", ShmemLayout.SWorkerEpoch },
        { "PgfSlotHeader", "backend_wake", ShmemLayout.SBackendWake },
        { "PgfSlotHeader", "backend_sleeping", ShmemLayout.SBackendSleeping },
        { "PgfSlotHeader", "worker_wake", ShmemLayout.SWorkerWake },
        { "PgfSlotHeader", "worker_sleeping", ShmemLayout.SWorkerSleeping },
        { "PgfSlotHeader", "pages_in_use", ShmemLayout.SPagesInUse },
        { "PgfSlotHeader", "cancel_requested", ShmemLayout.SCancelRequested },
        { "PgfSlotHeader", "to_worker_head", ShmemLayout.SToWorkerHead },
        { "PgfSlotHeader", "to_worker_tail", ShmemLayout.SToWorkerTail },
        { "PgfSlotHeader", "to_backend_head", ShmemLayout.SToBackendHead },
        { "PgfSlotHeader", "to_backend_tail", ShmemLayout.SToBackendTail },
        { "PgfPageSlotState", "state", 0 },
        { "PgfPageSlotState", "owner_slot", 4 },
        { "PgfPageMeta", "block", ShmemLayout.PMBlock },
        { "PgfPageMeta", "scan_id", ShmemLayout.PMScanId },
        { "PgfPageMeta", "line_pointers", ShmemLayout.PMLinePointers },
        { "PgfPageMeta", "visible", ShmemLayout.PMVisible },
        { "PgfPageMeta", "visibility", ShmemLayout.PMVisibility },
        { "PgfPageMeta", "buffer", ShmemLayout.PMBuffer },
    };

    [Theory]
    [MemberData(nameof(Fields))]
    public void Field_offset_matches_the_C_struct(string structName, string field, int csharpOffset) =>
        Assert.Equal(Header.OffsetOf(structName, field), csharpOffset);

    [Fact]
    public void Every_C_field_except_padding_has_a_CSharp_offset()
    {
        var mirrored = Fields.Select(row => $"{row[0]}.{row[1]}").ToHashSet();
        foreach (var s in new[] { "PgfHeader", "PgfSlotHeader", "PgfPageSlotState", "PgfPageMeta" })
            foreach (var f in Header.FieldNames(s).Where(f => !f.StartsWith("reserved", StringComparison.Ordinal)))
                Assert.True(mirrored.Contains($"{s}.{f}"), $"{s}.{f} has no ShmemLayout constant");
    }

    [Fact]
    public void Struct_sizes_and_constants_match()
    {
        Assert.Equal(ShmemLayout.Magic, Header.Define("PGF_MAGIC"));
        Assert.Equal(ShmemLayout.LayoutVersion, Header.Define("PGF_LAYOUT_VERSION"));
        Assert.Equal(ShmemLayout.HeaderSize, Header.Define("PGF_HEADER_SIZE"));
        Assert.Equal(ShmemLayout.HeaderSize, Header.SizeOf("PgfHeader"));
        Assert.Equal(ShmemLayout.StatusMessageBytes, Header.Define("PGF_STATUS_MESSAGE_BYTES"));
        Assert.Equal(ShmemLayout.SlotHeaderSize, Header.Define("PGF_SLOT_HEADER_SIZE"));
        Assert.Equal(ShmemLayout.SlotHeaderSize, Header.SizeOf("PgfSlotHeader"));
        Assert.Equal(ShmemLayout.PageStateSize, Header.SizeOf("PgfPageSlotState"));
        Assert.Equal(ShmemLayout.PageMetaSize, Header.Define("PGF_PAGE_META_SIZE"));
        Assert.Equal(ShmemLayout.PageMetaSize, Header.SizeOf("PgfPageMeta"));
        Assert.Equal(ShmemLayout.VisibilityBytes, Header.Define("PGF_VISIBILITY_BYTES"));
        Assert.Equal(ShmemLayout.PageBytes, Header.Define("PGF_PAGE_BYTES"));
        Assert.Equal(ShmemLayout.PageStride, Header.Define("PGF_PAGE_STRIDE"));
        Assert.Equal(ShmemLayout.MessageHeaderSize, Header.Define("PGF_MSG_HEADER_SIZE"));
        // each ring position owns a 64-byte cache line
        Assert.Equal(64, Header.SizeOf("PgfRingPos"));
        Assert.Equal(0, ShmemLayout.SToWorkerHead % 64);
    }

    public static TheoryData<string, string, Type> EnumPairs => new()
    {
        { "PgfMessageType", "PGF_MSG_", typeof(MessageType) },
        { "PgfSlotState", "PGF_SLOT_", typeof(SlotState) },
        { "PgfPageState", "PGF_PAGE_", typeof(PageState) },
        { "PgfWorkerState", "PGF_WORKER_", typeof(WorkerState) },
        { "PgfDebugFault", "PGF_FAULT_", typeof(DebugFault) },
        { "PgfSpillOperator", "PGF_SPILL_", typeof(PgFusion.Codegen.Operators.Spill.SpillOperator) },
    };

    [Theory]
    [MemberData(nameof(EnumPairs))]
    public void Enum_values_match_by_name_in_both_directions(string cEnum, string prefix, Type csharpEnum)
    {
        var c = Header.Enums.Where(e => e.Enum == cEnum)
            .ToDictionary(e => Pascal(e.Name[prefix.Length..]), e => e.Value);
        Assert.NotEmpty(c);
        var cs = Enum.GetValues(csharpEnum).Cast<object>().ToDictionary(v => v.ToString()!, v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(c.OrderBy(kv => kv.Key, StringComparer.Ordinal), cs.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void IsKnown_accepts_exactly_the_C_message_types()
    {
        var known = Header.Enums.Where(e => e.Enum == "PgfMessageType").Select(e => (uint)e.Value).ToHashSet();
        for (uint t = 0; t < 300; t++)
            Assert.True(MessageTypes.IsKnown(t) == known.Contains(t), $"type {t}");
    }

    /// <summary>
    /// DONE's kernel figures are written by the worker field by field (Session.Execute: u32 compiled,
    /// u32 cache_hits, f64 compile_ms, u32 flags, u32 reserved) and read by the backend as one
    /// memcpy of PgfDoneKernels: the struct must have exactly that layout.
    /// </summary>
    [Fact]
    public void The_DONE_kernel_figures_are_laid_out_as_the_worker_writes_them()
    {
        Assert.Equal(24, Header.SizeOf("PgfDoneKernels"));
        Assert.Equal(["compiled", "cache_hits", "compile_ms", "flags", "reserved"], Header.FieldNames("PgfDoneKernels"));
        Assert.Equal([0L, 4L, 8L, 16L, 20L], Header.FieldNames("PgfDoneKernels").Select(f => Header.OffsetOf("PgfDoneKernels", f)));
    }

    /// <summary>
    /// DONE's spill section (docs/ipc.md 5.4): the worker writes a 16-byte header (u32 version 2,
    /// u32 count, u32 entry_size 24, u32 reserved) and entries of u32 op, u32 files, u64 bytes, u32
    /// node, u32 reserved (<see cref="DoneSpillSection"/>); the backend reads both with memcpy at the
    /// C struct's offsets, so the bytes written must sit at those offsets.
    /// </summary>
    [Fact]
    public void The_DONE_spill_section_is_laid_out_as_the_worker_writes_it()
    {
        Assert.Equal(DoneSpillSection.HeaderBytes, Header.SizeOf("PgfDoneSpillHeader"));
        Assert.Equal(["version", "count", "entry_size", "reserved"], Header.FieldNames("PgfDoneSpillHeader"));
        Assert.Equal([0L, 4L, 8L, 12L], Header.FieldNames("PgfDoneSpillHeader").Select(f => Header.OffsetOf("PgfDoneSpillHeader", f)));
        Assert.Equal(DoneSpillSection.EntryBytes, Header.SizeOf("PgfDoneSpill"));
        Assert.Equal(["op", "files", "bytes", "node", "reserved"], Header.FieldNames("PgfDoneSpill"));
        Assert.Equal(DoneSpillSection.Version, (uint)Header.Define("PGF_DONE_SPILL_VERSION"));
        // every operator kind fits the backend's table of PGF_SPILL_OPERATOR_SLOTS
        Assert.All(Enum.GetValues<PgFusion.Codegen.Operators.Spill.SpillOperator>(), op => Assert.True((long)op < Header.Define("PGF_SPILL_OPERATOR_SLOTS"), op.ToString()));

        // two entries written by the worker, read back at the C offsets
        var w = new System.Buffers.ArrayBufferWriter<byte>();
        DoneSpillSection.Write(w, [new DoneSpillEntry(3, 1, 7, 0x1_0000_0042), new DoneSpillEntry(5, 11, 16, 4096)]);
        var bytes = w.WrittenSpan.ToArray();
        Assert.Equal(16 + 2 * 24, bytes.Length);
        uint U32(int at) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at));
        ulong U64(int at) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));
        int H(string f) => (int)Header.OffsetOf("PgfDoneSpillHeader", f);
        int E(int i, string f) => 16 + 24 * i + (int)Header.OffsetOf("PgfDoneSpill", f);
        Assert.Equal((2u, 2u, 24u, 0u), (U32(H("version")), U32(H("count")), U32(H("entry_size")), U32(H("reserved"))));
        Assert.Equal((1u, 7u, 0x1_0000_0042ul, 3u, 0u), (U32(E(0, "op")), U32(E(0, "files")), U64(E(0, "bytes")), U32(E(0, "node")), U32(E(0, "reserved"))));
        Assert.Equal((11u, 16u, 4096ul, 5u, 0u), (U32(E(1, "op")), U32(E(1, "files")), U64(E(1, "bytes")), U32(E(1, "node")), U32(E(1, "reserved"))));
    }

    private static string Pascal(string snake) =>
        string.Concat(snake.Split('_').Select(p => p[0] + p[1..].ToLowerInvariant()));
}
