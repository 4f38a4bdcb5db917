namespace PgFusion.HeapDecoder.Text;

/// <summary>name: 64 fixed bytes holding a NUL-terminated string; the bytes before the first NUL become Utf8.</summary>
internal sealed class NameDecoder : VarBinaryDecoder
{
    public override void Decode(ReadOnlySpan<byte> datum, int row)
    {
        int nul = datum.IndexOf((byte)0);
        Append(nul < 0 ? datum : datum[..nul], row);
        MarkValid(row);
    }
}
