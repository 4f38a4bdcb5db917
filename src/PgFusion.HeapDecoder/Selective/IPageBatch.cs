namespace PgFusion.HeapDecoder;

/// <summary>The pages of one batch, in scan order, as <see cref="StagedPageDecoder"/> reads them (possibly more than once).</summary>
public interface IPageBatch
{
    int Count { get; }

    /// <summary>The page (<see cref="HeapPageDecoder.PageSize"/> bytes).</summary>
    ReadOnlySpan<byte> Page(int index);

    /// <summary>Its visibility bitmap (<see cref="HeapPageDecoder.VisibilityBitmapBytes"/> bytes).</summary>
    ReadOnlySpan<byte> Visibility(int index);

    uint Block(int index);

    /// <summary>The page's external TOAST values the backend sent beside it (null: none).</summary>
    IDetoastedValues? Detoasted(int index);
}
