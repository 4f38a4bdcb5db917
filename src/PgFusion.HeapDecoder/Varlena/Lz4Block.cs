namespace PgFusion.HeapDecoder.Varlena;

/// <summary>
/// LZ4 block format decompression (lz4's doc/lz4_Block_format.md): sequences of a token (literal
/// length high nibble, match length low nibble, 15 = more length bytes follow, each 255 = go on),
/// literals, a u16 little-endian offset and the match (length + 4). The last sequence has literals only.
/// </summary>
internal static class Lz4Block
{
    /// <summary>Decompresses into <paramref name="dest"/>; returns the bytes produced (as LZ4_decompress_safe does).</summary>
    public static int Decompress(ReadOnlySpan<byte> src, Span<byte> dest)
    {
        int ip = 0, op = 0;
        while (true)
        {
            if (ip >= src.Length) throw new Tuple.CorruptDatumException("lz4 stream ends before its last sequence");
            int token = src[ip++];
            long literals = token >> 4;
            if (literals == 15) literals += ReadLength(src, ref ip);
            if (literals > src.Length - ip) throw new Tuple.CorruptDatumException("lz4 literals run past the input");
            if (literals > dest.Length - op) throw new Tuple.CorruptDatumException("lz4 literals run past the raw size");
            src.Slice(ip, (int)literals).CopyTo(dest[op..]);
            ip += (int)literals;
            op += (int)literals;
            if (ip == src.Length) return op;

            if (ip + 2 > src.Length) throw new Tuple.CorruptDatumException("lz4 stream ends inside an offset");
            int offset = src[ip] | (src[ip + 1] << 8);
            ip += 2;
            if (offset == 0 || offset > op) throw new Tuple.CorruptDatumException($"lz4 match offset {offset} at output byte {op}");
            long match = (token & 15) + 4L;
            if ((token & 15) == 15) match += ReadLength(src, ref ip);
            if (match > dest.Length - op) throw new Tuple.CorruptDatumException("lz4 match runs past the raw size");
            int len = (int)match;
            if (offset >= len)
            {
                dest.Slice(op - offset, len).CopyTo(dest[op..]);
                op += len;
            }
            else
            {
                for (int i = 0; i < len; i++, op++) dest[op] = dest[op - offset];
            }
        }
    }

    private static long ReadLength(ReadOnlySpan<byte> src, ref int ip)
    {
        long total = 0;
        int b;
        do
        {
            if (ip >= src.Length) throw new Tuple.CorruptDatumException("lz4 stream ends inside a length");
            b = src[ip++];
            total += b;
        }
        while (b == 255);
        return total;
    }
}
