using PgFusion.Arrow;

namespace PgFusion.HeapDecoder;

/// <summary>
/// The selective entry point of late materialization: some of a page's rows, by ordinal. It is
/// Decode over a visibility bitmap narrowed to those rows (<see cref="SelectedRows"/>), so every
/// walk, bound check, TOAST lookup and error is Decode's own; the tuples left out are not read
/// at all (not even their headers).
/// </summary>
public sealed partial class HeapPageDecoder
{
    /// <summary>
    /// Appends the rows of the page whose ordinals (the positions Decode would give them on this
    /// page, 0-based; ascending, distinct) are in <paramref name="ordinals"/>, densely, to
    /// <paramref name="into"/>; returns how many. Errors as Decode, for the selected tuples only.
    /// </summary>
    public int DecodeSelected(ReadOnlySpan<byte> page, ReadOnlySpan<byte> visibility, uint blockNumber, ReadOnlySpan<int> ordinals, RecordBatch into, IDetoastedValues? detoasted,
        ReadOnlySpan<byte> nextPage = default, ReadOnlySpan<byte> nextVisibility = default)
    {
        if (ordinals.IsEmpty) return 0;
        Span<byte> selected = stackalloc byte[VisibilityBitmapBytes];
        SelectedRows.ToBitmap(page, visibility, ordinals, selected);
        return Decode(page, selected, blockNumber, into, detoasted, nextPage, nextVisibility);
    }
}
