namespace PgFusion.HeapDecoder;

/// <summary>
/// Values of a page that the worker cannot read from the page itself (external TOAST pointers):
/// the backend detoasts them and sends them beside the page (docs/ipc.md).
/// </summary>
public interface IDetoastedValues
{
    /// <summary>
    /// The detoasted, decompressed value of attribute <paramref name="attNum"/> of the tuple at
    /// line pointer <paramref name="offsetNumber"/> (1-based): the payload without varlena header.
    /// </summary>
    bool TryGet(ushort offsetNumber, int attNum, out ReadOnlySpan<byte> value);
}
