namespace PgFusion.Ipc;

/// <summary>
/// Byte offsets of the pg_fusion shared-memory segment, mirrored from native/pg_hooks/pgfusion_ipc.h
/// (docs/ipc.md). The C side's static asserts and <see cref="SharedRegion.Attach"/> check both agree.
/// </summary>
public static class ShmemLayout
{
    public const uint Magic = 0x55464750; // "PGFU"
    public const uint LayoutVersion = 2;

    public const int HeaderSize = 512;
    public const int StatusMessageBytes = 256;

    // header
    public const int HMagic = 0;
    public const int HLayoutVersion = 4;
    public const int HTotalSize = 8;
    public const int HSlotCount = 16;
    public const int HRingCapacity = 20;
    public const int HPageCount = 24;
    public const int HSessionPageQuota = 28;
    public const int HMaxMessageBytes = 32;
    public const int HWorkerState = 36;
    public const int HWorkerPid = 40;
    public const int HDispatcherWake = 44;
    public const int HDispatcherSleeping = 48;
    public const int HWorkerEpoch = 52;
    public const int HSlotsOffset = 56;
    public const int HSlotStride = 64;
    public const int HPageStatesOffset = 72;
    public const int HPagesOffset = 80;
    public const int HPageStride = 88;
    public const int HPageAllocHint = 96;
    public const int HStatusMessage = 104;
    public const int HBufferBlocks = 360; // u64: PostgreSQL's BufferBlocks (shared transfer), 0 when unset
    public const int HNBuffers = 368;
    public const int HBlockSize = 372;

    // session slot header
    public const int SlotHeaderSize = 512;
    public const int SState = 0;
    public const int SGeneration = 4;
    public const int SBackendPid = 8;
    public const int SWorkerEpoch = 12;
    public const int SBackendWake = 16;
    public const int SBackendSleeping = 20;
    public const int SWorkerWake = 24;
    public const int SWorkerSleeping = 28;
    public const int SPagesInUse = 32;
    public const int SCancelRequested = 36;
    public const int SToWorkerHead = 64;
    public const int SToWorkerTail = 128;
    public const int SToBackendHead = 192;
    public const int SToBackendTail = 256;

    // page pool
    public const int PageStateSize = 8; // u32 state, u32 owner slot
    public const int PageMetaSize = 64;
    public const int PageBytes = 8192;
    public const int PageStride = PageMetaSize + PageBytes;
    public const int VisibilityBytes = 40;
    public const int PMBlock = 0;
    public const int PMScanId = 4;
    public const int PMLinePointers = 8;
    public const int PMVisible = 12;
    public const int PMVisibility = 16;
    public const int PMBuffer = 56; // u32: 0 = the page follows the meta; else the pinned shared buffer (1..NBuffers)

    public const int MessageHeaderSize = 8;
}
