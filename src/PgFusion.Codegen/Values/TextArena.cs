namespace PgFusion.Codegen.Values;

/// <summary>
/// Bytes for text a kernel computes (upper, lower, ||). Chunks are never overwritten, so a
/// TextRef stays valid after the arena moves on; the operator resets it per batch once the
/// values were copied into output columns.
/// </summary>
public sealed class TextArena
{
    private const int ChunkSize = 64 * 1024;
    // The first chunk comes with the first text: plan-time constant evaluation makes an arena per
    // constant and mostly computes no text (a zeroed 64 KB array each was most of its cost).
    private byte[] chunk = [];
    private int used;

    /// <summary>Room for <paramref name="length"/> bytes; the caller fills Data[Offset..].</summary>
    public TextRef Allocate(int length)
    {
        if (used + length > chunk.Length)
        {
            chunk = new byte[Math.Max(ChunkSize, length)];
            used = 0;
        }
        var r = new TextRef(chunk, used, length);
        used += length;
        return r;
    }

    public void Reset()
    {
        // Keep the current chunk only if nothing may still point into it: callers reset after copying out.
        used = 0;
    }
}
