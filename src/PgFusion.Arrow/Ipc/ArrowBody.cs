namespace PgFusion.Arrow.Ipc;

/// <summary>
/// The body of one RecordBatch message being assembled: buffers back to back, each starting at
/// a multiple of 64 bytes (the Arrow spec asks for 8 and recommends 64) with zeroed padding,
/// plus the FieldNode and Buffer entries that describe them. Reused from batch to batch.
/// </summary>
internal sealed class ArrowBody
{
    public const int Alignment = 64;

    private byte[] _buf = new byte[4096];
    private int _length;
    private readonly List<(long Length, long NullCount)> _nodes = [];
    private readonly List<(long Offset, long Length)> _buffers = [];

    public int Length => _length;

    public ReadOnlySpan<byte> Bytes => _buf.AsSpan(0, _length);

    public ReadOnlySpan<(long, long)> Nodes => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_nodes);

    public ReadOnlySpan<(long, long)> Buffers => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buffers);

    public void Clear()
    {
        _length = 0;
        _nodes.Clear();
        _buffers.Clear();
    }

    public void AddNode(long length, long nullCount) => _nodes.Add((length, nullCount));

    /// <summary>A buffer of <paramref name="bytes"/> bytes, zeroed, for the caller to fill.</summary>
    public Span<byte> AddBuffer(int bytes)
    {
        int padded = checked((bytes + Alignment - 1) & ~(Alignment - 1));
        int start = _length;
        if (checked(start + padded) > _buf.Length)
        {
            var grown = new byte[Math.Max(start + padded, _buf.Length * 2)];
            Buffer.BlockCopy(_buf, 0, grown, 0, _length);
            _buf = grown;
        }
        var span = _buf.AsSpan(start, padded);
        span.Clear();
        _buffers.Add((start, bytes));
        _length += padded;
        return span[..bytes];
    }

    /// <summary>An absent buffer (a validity bitmap when no row is null).</summary>
    public void AddEmptyBuffer() => _buffers.Add((_length, 0));
}
