using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using PgFusion.HeapDecoder.Page;
using PgFusion.HeapDecoder.Tuple;
using PgFusion.HeapDecoder.Varlena;
using PgFusion.Types;

namespace PgFusion.HeapDecoder;

/// <summary>The tuple walk: null bitmap, alignment, varlena headers, missing attributes.</summary>
public sealed partial class HeapPageDecoder
{
    /// <summary>VARTAG_ONDISK: the only TOAST pointer kind found on disk (a 16-byte varatt_external follows).</summary>
    private const int VarTagOnDisk = 18;
    private const int ExternalPointerSize = 2 + 16;
    private const int CompressedHeaderSize = 8;
    private const int MaxVarlenaSize = 0x3FFFFFFF;

    private void DecodeTuple(ReadOnlySpan<byte> tuple, int row, int item, IDetoastedValues? detoasted)
    {
        int infomask2 = BinaryPrimitives.ReadUInt16LittleEndian(tuple[PageFormat.InfoMask2Offset..]);
        int infomask = BinaryPrimitives.ReadUInt16LittleEndian(tuple[PageFormat.InfoMaskOffset..]);
        int hoff = tuple[PageFormat.HoffOffset];
        int natts = infomask2 & PageFormat.NattsMask;
        var plans = _plans;
        if (natts > plans.Length) throw Corrupt(item, 0, $"tuple has {natts} attributes, the relation {plans.Length}");
        bool hasNulls = (infomask & PageFormat.HasNull) != 0;
        int bitmapBytes = hasNulls ? (natts + 7) >> 3 : 0;
        if (hoff > tuple.Length || (hoff & (PageFormat.MaxAlign - 1)) != 0 || hoff < PageFormat.TupleHeaderSize + bitmapBytes)
            throw Corrupt(item, 0, $"t_hoff {hoff} invalid for a {tuple.Length}-byte tuple with {natts} attributes");
        var bits = tuple.Slice(PageFormat.TupleHeaderSize, bitmapBytes);
        var data = tuple[hoff..];

        int stop = Math.Min(_lastNeeded + 1, natts);
        int i = Math.Min(_fastStart, natts);
        if (hasNulls && i > 0) i = FirstNull(bits, i);
        int off = _cacheOff[i];
        var decoders = _decoders;
        if (!hasNulls)
        {
            WalkNoNulls(data, i, stop, off, row, item, detoasted);
            i = stop;
        }
        for (; i < stop; i++)
        {
            ref readonly AttributePlan a = ref plans[i];
            if (hasNulls && (bits[i >> 3] & (1 << (i & 7))) == 0)
            {
                if (a.Slot >= 0) decoders[a.Slot].DecodeNull(row);
                continue;
            }
            if (a.Len > 0)
            {
                off = (off + a.AlignMask) & ~a.AlignMask;
                if ((uint)(off + a.Len) > (uint)data.Length) throw Corrupt(item, i + 1, $"{a.Len}-byte value at {off} runs past the {data.Length}-byte tuple data");
                if (a.Slot >= 0)
                {
                    _attNum = i + 1;
                    decoders[a.Slot].Decode(data.Slice(off, a.Len), row);
                }
                off += a.Len;
            }
            else if (a.Len == -1)
            {
                off = DecodeVarlena(data, off, in a, row, item, i + 1, detoasted);
            }
            else
            {
                if ((uint)off >= (uint)data.Length) throw Corrupt(item, i + 1, "cstring starts past the tuple data");
                int nul = data[off..].IndexOf((byte)0);
                if (nul < 0) throw Corrupt(item, i + 1, "cstring runs past the tuple data");
                off += nul + 1;
            }
        }

        // Attributes the tuple does not have (added after it was written): the missing default or NULL.
        for (i = Math.Max(natts, 0); i <= _lastNeeded; i++)
        {
            int slot = plans[i].Slot;
            if (slot < 0) continue;
            if (_missing[slot] is { } missing)
            {
                _attNum = i + 1;
                decoders[slot].Decode(missing, row);
            }
            else
            {
                decoders[slot].DecodeNull(row);
            }
        }
    }

    /// <summary>Index of the first null attribute before <paramref name="limit"/>, or limit.</summary>
    private static int FirstNull(ReadOnlySpan<byte> bits, int limit)
    {
        for (int b = 0; b * 8 < limit; b++)
        {
            if (bits[b] != 0xFF)
            {
                int first = (b * 8) + System.Numerics.BitOperations.TrailingZeroCount(~bits[b]);
                return Math.Min(first, limit);
            }
        }
        return limit;
    }

    /// <summary>Decodes (or skips) the varlena at <paramref name="off"/>; returns the offset after it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int DecodeVarlena(ReadOnlySpan<byte> data, int off, in AttributePlan a, int row, int item, int attNum, IDetoastedValues? detoasted)
    {
        if ((uint)off >= (uint)data.Length) throw Corrupt(item, attNum, $"varlena at {off} starts past the {data.Length}-byte tuple data");
        int b0 = data[off];
        if (b0 == 0)
        {
            // A zero byte is padding before a 4-byte header, which is int-aligned (att_align_pointer).
            off = (off + a.AlignMask) & ~a.AlignMask;
            if ((uint)off >= (uint)data.Length) throw Corrupt(item, attNum, $"varlena at {off} starts past the {data.Length}-byte tuple data");
            b0 = data[off];
        }
        if ((b0 & 1) != 0)
        {
            if (b0 != 1)
            {
                // 1-byte header: total size (header included) in the upper 7 bits.
                int size = b0 >> 1;
                if (off + size > data.Length) throw Corrupt(item, attNum, $"varlena of {size} bytes at {off} runs past the {data.Length}-byte tuple data");
                if (a.Slot >= 0)
                {
                    _attNum = attNum;
                    _decoders[a.Slot].Decode(data.Slice(off + 1, size - 1), row);
                }
                return off + size;
            }
            return DecodeExternal(data, off, a.Slot, row, item, attNum, detoasted);
        }

        if (off + 4 > data.Length) throw Corrupt(item, attNum, $"4-byte varlena header at {off} runs past the {data.Length}-byte tuple data");
        uint header = BinaryPrimitives.ReadUInt32LittleEndian(data[off..]);
        int total = (int)(header >> 2);
        if (total < 4 || off + total > data.Length) throw Corrupt(item, attNum, $"varlena of {total} bytes at {off} runs past the {data.Length}-byte tuple data");
        if (a.Slot >= 0)
        {
            _attNum = attNum;
            var payload = (header & 2) == 0
                ? data.Slice(off + 4, total - 4)
                : Decompress(data.Slice(off, total), item, attNum);
            _decoders[a.Slot].Decode(payload, row);
        }
        return off + total;
    }

    private int DecodeExternal(ReadOnlySpan<byte> data, int off, int slot, int row, int item, int attNum, IDetoastedValues? detoasted)
    {
        if (off + 2 > data.Length) throw Corrupt(item, attNum, "TOAST pointer runs past the tuple data");
        int tag = data[off + 1];
        if (tag != VarTagOnDisk) throw Corrupt(item, attNum, $"TOAST pointer tag {tag} (only on-disk pointers, tag {VarTagOnDisk}, can be on a page)");
        if (off + ExternalPointerSize > data.Length) throw Corrupt(item, attNum, "TOAST pointer runs past the tuple data");
        if (slot >= 0)
        {
            if (detoasted is null || !detoasted.TryGet((ushort)item, attNum, out var value))
                throw Corrupt(item, attNum, "external TOAST value without its detoasted value from the backend");
            _attNum = attNum;
            _decoders[slot].Decode(value, row);
        }
        return off + ExternalPointerSize;
    }

    /// <summary>An inline compressed varlena (4-byte header, then va_tcinfo: raw size in 30 bits, method in 2).</summary>
    private ReadOnlySpan<byte> Decompress(ReadOnlySpan<byte> varlena, int item, int attNum)
    {
        if (varlena.Length < CompressedHeaderSize) throw Corrupt(item, attNum, $"compressed varlena of {varlena.Length} bytes");
        uint tcinfo = BinaryPrimitives.ReadUInt32LittleEndian(varlena[4..]);
        int rawSize = (int)(tcinfo & MaxVarlenaSize);
        int method = (int)(tcinfo >> 30);
        var compressed = varlena[CompressedHeaderSize..];
        // Neither format expands by more than 255x; a larger claim is corruption, not a reason to allocate.
        if ((long)rawSize > ((long)compressed.Length * 256) + 64) throw Corrupt(item, attNum, $"compressed varlena claims {rawSize} raw bytes from {compressed.Length}");
        if (_scratch.Length < rawSize) _scratch = new byte[Math.Max(rawSize, _scratch.Length * 2)];
        var dest = _scratch.AsSpan(0, rawSize);
        switch (method)
        {
            case 0:
                Pglz.Decompress(compressed, dest);
                return dest;
            case 1:
                return dest[..Lz4Block.Decompress(compressed, dest)];
            default:
                throw Corrupt(item, attNum, $"unknown compression method {method}");
        }
    }

    /// <summary>The payload of an atthasmissing default: the raw datum, or the varlena without its header.</summary>
    private byte[]? MissingDatum(AttributeLayout att)
    {
        if (att.MissingValue is not { } raw) return null;
        if (att.Len > 0)
        {
            if (raw.Length != att.Len) throw new ArgumentException($"missing value of attribute {att.AttNum} has {raw.Length} bytes, attlen is {att.Len}", nameof(att));
            return raw;
        }
        if (raw.Length == 0) throw new ArgumentException($"missing value of attribute {att.AttNum} is empty", nameof(att));
        if ((raw[0] & 1) != 0)
        {
            int size = raw[0] >> 1;
            if (raw[0] == 1 || size > raw.Length) throw new ArgumentException($"missing value of attribute {att.AttNum} is not an inline varlena", nameof(att));
            return raw[1..size];
        }
        if (raw.Length < 4) throw new ArgumentException($"missing value of attribute {att.AttNum} is truncated", nameof(att));
        uint header = BinaryPrimitives.ReadUInt32LittleEndian(raw);
        int total = (int)(header >> 2);
        if (total < 4 || total > raw.Length) throw new ArgumentException($"missing value of attribute {att.AttNum} is truncated", nameof(att));
        if ((header & 2) == 0) return raw[4..total];
        try
        {
            return Decompress(raw.AsSpan(0, total), 0, att.AttNum).ToArray();
        }
        catch (Exception e) when (e is CorruptDatumException or HeapDecodeException)
        {
            throw new ArgumentException($"missing value of attribute {att.AttNum}: {e.Message}", nameof(att), e);
        }
    }
}
