using System.Runtime.InteropServices;

namespace PgFusion.Ipc.Tests;

/// <summary>Native memory laid out as the pg_fusion segment (SharedRegion.Format), freed on Dispose.</summary>
internal sealed unsafe class TestRegion : IDisposable
{
    private readonly void* memory;

    public TestRegion(int slots = 2, uint ringCapacity = 4096, int pages = 8, int quota = 4, uint maxMessage = 1 << 20)
    {
        Size = SharedRegion.RequiredSize(slots, ringCapacity, pages);
        memory = NativeMemory.AlignedAlloc((nuint)Size, 4096);
        SharedRegion.Format((byte*)memory, Size, slots, ringCapacity, pages, quota, maxMessage);
        Region = SharedRegion.Attach((byte*)memory, Size);
    }

    public long Size { get; }

    public byte* Base => (byte*)memory;

    public SharedRegion Region { get; }

    public void Dispose() => NativeMemory.AlignedFree(memory);
}
