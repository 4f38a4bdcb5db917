namespace PgFusion.HeapDecoder.Tuple;

/// <summary>
/// A value decoder found bytes that cannot be a valid datum. Internal: HeapPageDecoder turns it
/// into a HeapDecodeException naming block, item and attribute.
/// </summary>
#pragma warning disable CA1064 // internal on purpose: never escapes the decoder
internal sealed class CorruptDatumException : Exception
#pragma warning restore CA1064
{
    public CorruptDatumException(string message) : base(message)
    {
    }

    public CorruptDatumException()
    {
    }

    public CorruptDatumException(string message, Exception inner) : base(message, inner)
    {
    }
}
