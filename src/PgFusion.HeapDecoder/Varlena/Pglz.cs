namespace PgFusion.HeapDecoder.Varlena;

/// <summary>
/// PostgreSQL's pglz decompression (format described in src/common/pg_lzcompress.c): a control
/// byte announces 8 items, LSB first; bit 0 = one literal byte, bit 1 = a back-reference of
/// 2 or 3 bytes: length (low nibble + 3, 18 = one extra length byte added), offset (high nibble
/// &lt;&lt; 8 | next byte) back into the output.
/// </summary>
internal static class Pglz
{
    /// <summary>Decompresses into <paramref name="dest"/>, which must be exactly the raw size; every input byte must be consumed.</summary>
    public static void Decompress(ReadOnlySpan<byte> src, Span<byte> dest)
    {
        int sp = 0, dp = 0;
        while (sp < src.Length && dp < dest.Length)
        {
            int ctrl = src[sp++];
            for (int bit = 0; bit < 8 && sp < src.Length && dp < dest.Length; bit++, ctrl >>= 1)
            {
                if ((ctrl & 1) == 0)
                {
                    dest[dp++] = src[sp++];
                    continue;
                }
                if (sp + 2 > src.Length) throw new Tuple.CorruptDatumException("pglz stream ends inside a back-reference");
                int len = (src[sp] & 0x0F) + 3;
                int off = ((src[sp] & 0xF0) << 4) | src[sp + 1];
                sp += 2;
                if (len == 18)
                {
                    if (sp >= src.Length) throw new Tuple.CorruptDatumException("pglz stream ends inside a back-reference");
                    len += src[sp++];
                }
                if (off == 0 || off > dp) throw new Tuple.CorruptDatumException($"pglz back-reference offset {off} at output byte {dp}");
                len = Math.Min(len, dest.Length - dp);
                // Overlapping copies repeat the pattern, so byte by byte when the distance is short.
                if (off >= len)
                {
                    dest.Slice(dp - off, len).CopyTo(dest[dp..]);
                    dp += len;
                }
                else
                {
                    for (int i = 0; i < len; i++, dp++) dest[dp] = dest[dp - off];
                }
            }
        }
        if (dp != dest.Length || sp != src.Length)
            throw new Tuple.CorruptDatumException($"pglz stream produced {dp} of {dest.Length} bytes from {sp} of {src.Length}");
    }
}
