using System.Buffers.Binary;
using PgFusion.HeapDecoder.Page;

namespace PgFusion.HeapDecoder;

/// <summary>
/// Row ordinals of one page, as <see cref="HeapPageDecoder.Decode(ReadOnlySpan{byte}, ReadOnlySpan{byte}, uint, Arrow.RecordBatch, IDetoastedValues?)"/>
/// numbers them: the visible LP_NORMAL items in line-pointer order, 0, 1, 2, ... (each one is a
/// row of Decode, or the item it raises at). A subset of them becomes a visibility bitmap with
/// only those items set, so Decode itself walks just those tuples.
/// </summary>
public static class SelectedRows
{
    /// <summary>
    /// Writes to <paramref name="selected"/> (at least <see cref="HeapPageDecoder.VisibilityBitmapBytes"/>
    /// bytes, cleared here) the bits of the items whose row ordinals are in <paramref name="ordinals"/>
    /// (ascending, distinct). A page whose header is unreadable gets an empty bitmap (Decode reports it).
    /// </summary>
    public static void ToBitmap(ReadOnlySpan<byte> page, ReadOnlySpan<byte> visibility, ReadOnlySpan<int> ordinals, Span<byte> selected)
    {
        if (selected.Length < HeapPageDecoder.VisibilityBitmapBytes) throw new ArgumentException($"bitmap has {selected.Length} bytes, expected {HeapPageDecoder.VisibilityBitmapBytes}", nameof(selected));
        if (visibility.Length < HeapPageDecoder.VisibilityBitmapBytes) throw new ArgumentException($"visibility bitmap has {visibility.Length} bytes, expected {HeapPageDecoder.VisibilityBitmapBytes}", nameof(visibility));
        selected.Clear();
        if (ordinals.IsEmpty || page.Length != PageFormat.BlockSize) return;
        int items = Items(page);
        int next = 0;
        int wanted = ordinals[0];
        int ordinal = 0;
        for (int i = 0; i < items; i++)
        {
            if ((visibility[i >> 3] & (1 << (i & 7))) == 0) continue;
            uint lp = BinaryPrimitives.ReadUInt32LittleEndian(page[(PageFormat.HeaderSize + (i * PageFormat.ItemIdSize))..]);
            if (((lp >> 15) & 3) != PageFormat.LpNormal) continue;
            if (ordinal == wanted)
            {
                selected[i >> 3] |= (byte)(1 << (i & 7));
                if (++next == ordinals.Length) return;
                if (ordinals[next] <= wanted) throw new ArgumentException($"row ordinals are not ascending: {ordinals[next]} after {wanted}", nameof(ordinals));
                wanted = ordinals[next];
            }
            ordinal++;
        }
        throw new ArgumentException($"row ordinal {wanted} is past the page's {ordinal} visible tuples", nameof(ordinals));
    }

    /// <summary>
    /// Narrows <paramref name="rows"/> (a visibility bitmap of the page, <see cref="HeapPageDecoder.VisibilityBitmapBytes"/>
    /// bytes) to the rows whose positions among the rows it holds (its normal items in line-pointer
    /// order, as Decode numbers the rows it decodes from it) are in <paramref name="kept"/> (ascending,
    /// distinct): every other bit is cleared. A stage of late materialization decodes the rows of
    /// the bitmap into a batch and selects some of them; this turns its selection back into line pointers.
    /// </summary>
    public static void Narrow(ReadOnlySpan<byte> page, Span<byte> rows, ReadOnlySpan<int> kept)
    {
        const int bytes = HeapPageDecoder.VisibilityBitmapBytes;
        if (rows.Length < bytes) throw new ArgumentException($"bitmap has {rows.Length} bytes, expected {bytes}", nameof(rows));
        if (kept.IsEmpty)
        {
            rows[..bytes].Clear();
            return;
        }
        int items = page.Length == PageFormat.BlockSize ? Items(page) : 0;
        int next = 0;
        int wanted = kept[0];
        int ordinal = 0;
        for (int i = 0; i < items; i++)
        {
            int bit = 1 << (i & 7);
            if ((rows[i >> 3] & bit) == 0) continue;
            uint lp = BinaryPrimitives.ReadUInt32LittleEndian(page[(PageFormat.HeaderSize + (i * PageFormat.ItemIdSize))..]);
            if (((lp >> 15) & 3) != PageFormat.LpNormal || ordinal++ != wanted)
            {
                rows[i >> 3] &= (byte)~bit;
                continue;
            }
            if (++next == kept.Length)
            {
                // the last row kept: every bit above it goes (Decode reads none past the line pointers either)
                rows[i >> 3] &= (byte)((bit << 1) - 1);
                rows[((i >> 3) + 1)..bytes].Clear();
                return;
            }
            if (kept[next] <= wanted) throw new ArgumentException($"row positions are not ascending: {kept[next]} after {wanted}", nameof(kept));
            wanted = kept[next];
        }
        throw new ArgumentException($"row position {wanted} is past the bitmap's {ordinal} rows", nameof(kept));
    }

    /// <summary>The line pointers Decode walks: 0 for a new page, at most MaxHeapTuplesPerPage (a corrupt header gives 0; Decode raises on it).</summary>
    private static int Items(ReadOnlySpan<byte> page)
    {
        int lower = BinaryPrimitives.ReadUInt16LittleEndian(page[PageFormat.LowerOffset..]);
        int upper = BinaryPrimitives.ReadUInt16LittleEndian(page[PageFormat.UpperOffset..]);
        if (upper == 0 || lower < PageFormat.HeaderSize || lower > PageFormat.BlockSize) return 0;
        return Math.Min((lower - PageFormat.HeaderSize) / PageFormat.ItemIdSize, PageFormat.MaxHeapTuplesPerPage);
    }
}
