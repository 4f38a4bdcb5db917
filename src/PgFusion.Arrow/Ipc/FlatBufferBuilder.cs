using System.Buffers.Binary;
using System.Text;

namespace PgFusion.Arrow.Ipc;

/// <summary>
/// The little of FlatBuffers the Arrow IPC metadata needs: tables, scalars, strings, vectors of
/// offsets and of structs. Written from the FlatBuffers binary format description, not from its
/// library. Like every FlatBuffers writer it fills its buffer from the end towards the start,
/// because a uoffset (uint32) may only point forward: children are written before their parent.
/// <para>
/// Positions handed out (<see cref="Offset"/>, the results of <see cref="EndTable"/>,
/// <see cref="CreateString"/>, <see cref="EndVector"/>) count bytes from the end of the buffer,
/// so they stay valid while the buffer grows at its front.
/// </para>
/// Layout reminders: a table starts with an int32 soffset (table position minus vtable position);
/// a vtable is uint16 vtable size, uint16 table size, then one uint16 per field (offset of the
/// field from the table start, 0 = absent, reader uses the default). Vectors and strings start
/// with a uint32 element count; strings end with a 0 byte that the count excludes.
/// </summary>
internal sealed class FlatBufferBuilder
{
    private byte[] _buf;
    private int _space;
    private int _minAlign = 1;
    private int[] _vtable = new int[16];
    private int _vtableFields;
    private int _objectStart = -1;
    private int _vectorCount = -1;

    public FlatBufferBuilder(int initialSize = 1024)
    {
        _buf = new byte[Math.Max(initialSize, 64)];
        _space = _buf.Length;
    }

    /// <summary>Bytes written so far (the position of the last written byte, counted from the end).</summary>
    public int Offset => _buf.Length - _space;

    public void Clear()
    {
        _space = _buf.Length;
        _minAlign = 1;
        _objectStart = -1;
        _vectorCount = -1;
        _vtableFields = 0;
    }

    /// <summary>
    /// Pads so that, after <paramref name="additional"/> more bytes are written, the next
    /// <paramref name="size"/>-byte element is aligned to its size, and makes room for both.
    /// </summary>
    private void Prep(int size, int additional)
    {
        if (size > _minAlign) _minAlign = size;
        int pad = (-(Offset + additional)) & (size - 1);
        int need = pad + size + additional;
        if (need > _space)
        {
            int used = Offset;
            int newLength = Math.Max(_buf.Length * 2, used + need + 64);
            var grown = new byte[newLength];
            Buffer.BlockCopy(_buf, _space, grown, newLength - used, used);
            _buf = grown;
            _space = newLength - used;
        }
        for (int i = 0; i < pad; i++) _buf[--_space] = 0;
    }

    private void PutByte(byte v) => _buf[--_space] = v;

    private void PutShort(short v)
    {
        _space -= 2;
        BinaryPrimitives.WriteInt16LittleEndian(_buf.AsSpan(_space), v);
    }

    private void PutInt(int v)
    {
        _space -= 4;
        BinaryPrimitives.WriteInt32LittleEndian(_buf.AsSpan(_space), v);
    }

    private void PutLong(long v)
    {
        _space -= 8;
        BinaryPrimitives.WriteInt64LittleEndian(_buf.AsSpan(_space), v);
    }

    public void AddByte(byte v)
    {
        Prep(1, 0);
        PutByte(v);
    }

    public void AddShort(short v)
    {
        Prep(2, 0);
        PutShort(v);
    }

    public void AddInt(int v)
    {
        Prep(4, 0);
        PutInt(v);
    }

    public void AddLong(long v)
    {
        Prep(8, 0);
        PutLong(v);
    }

    /// <summary>Writes a uoffset to the object at <paramref name="target"/> (a position from <see cref="Offset"/>).</summary>
    public void AddOffset(int target)
    {
        Prep(4, 0);
        if (target > Offset) throw new InvalidOperationException("FlatBuffers: an offset must point to an object written earlier");
        PutInt(Offset - target + 4);
    }

    public int CreateString(string s)
    {
        RequireNotNested();
        int length = Encoding.UTF8.GetByteCount(s);
        Prep(4, length + 1);
        PutByte(0);
        _space -= length;
        Encoding.UTF8.GetBytes(s, _buf.AsSpan(_space, length));
        PutInt(length);
        return Offset;
    }

    /// <summary>Starts a vector; add its elements last to first, then call <see cref="EndVector"/>.</summary>
    public void StartVector(int elementSize, int count, int alignment)
    {
        RequireNotNested();
        Prep(4, elementSize * count);
        Prep(alignment, elementSize * count);
        _vectorCount = count;
    }

    public int EndVector()
    {
        if (_vectorCount < 0) throw new InvalidOperationException("FlatBuffers: EndVector without StartVector");
        // StartVector's Prep(4, ...) already aligned the length word.
        PutInt(_vectorCount);
        _vectorCount = -1;
        return Offset;
    }

    public int CreateOffsetVector(ReadOnlySpan<int> targets)
    {
        StartVector(4, targets.Length, 4);
        for (int i = targets.Length - 1; i >= 0; i--) AddOffset(targets[i]);
        return EndVector();
    }

    /// <summary>A vector of structs of two int64 (Arrow's FieldNode and Buffer).</summary>
    public int CreateLongPairVector(ReadOnlySpan<(long First, long Second)> items)
    {
        StartVector(16, items.Length, 8);
        for (int i = items.Length - 1; i >= 0; i--)
        {
            // A struct is written last member first, like everything else here.
            PutLong(items[i].Second);
            PutLong(items[i].First);
        }
        return EndVector();
    }

    public void StartTable(int fieldCount)
    {
        RequireNotNested();
        if (_vtable.Length < fieldCount) _vtable = new int[fieldCount];
        Array.Clear(_vtable, 0, fieldCount);
        _vtableFields = fieldCount;
        _objectStart = Offset;
    }

    private void Slot(int field) => _vtable[field] = Offset;

    // Every field is written even when it equals the schema default: readers then never depend
    // on our reading of the defaults.
    public void AddFieldByte(int field, byte v)
    {
        AddByte(v);
        Slot(field);
    }

    public void AddFieldBool(int field, bool v) => AddFieldByte(field, v ? (byte)1 : (byte)0);

    public void AddFieldShort(int field, short v)
    {
        AddShort(v);
        Slot(field);
    }

    public void AddFieldInt(int field, int v)
    {
        AddInt(v);
        Slot(field);
    }

    public void AddFieldLong(int field, long v)
    {
        AddLong(v);
        Slot(field);
    }

    public void AddFieldOffset(int field, int target)
    {
        AddOffset(target);
        Slot(field);
    }

    public int EndTable()
    {
        if (_objectStart < 0) throw new InvalidOperationException("FlatBuffers: EndTable without StartTable");
        AddInt(0); // soffset to the vtable, patched below
        int tableOffset = Offset;
        int used = _vtableFields;
        while (used > 0 && _vtable[used - 1] == 0) used--;
        for (int i = used - 1; i >= 0; i--)
            AddShort(_vtable[i] != 0 ? checked((short)(tableOffset - _vtable[i])) : (short)0);
        AddShort(checked((short)(tableOffset - _objectStart)));
        AddShort(checked((short)((used + 2) * 2)));
        int vtableOffset = Offset;
        // The table sits at end - tableOffset and its vtable at end - vtableOffset (lower address);
        // the soffset is table position minus vtable position.
        BinaryPrimitives.WriteInt32LittleEndian(_buf.AsSpan(_buf.Length - tableOffset), vtableOffset - tableOffset);
        _objectStart = -1;
        return tableOffset;
    }

    /// <summary>Writes the root uoffset and returns the finished buffer (a view of the builder's memory).</summary>
    public ReadOnlySpan<byte> Finish(int root)
    {
        RequireNotNested();
        Prep(_minAlign, 4);
        AddOffset(root);
        return _buf.AsSpan(_space);
    }

    private void RequireNotNested()
    {
        if (_objectStart >= 0 || _vectorCount >= 0)
            throw new InvalidOperationException("FlatBuffers: objects cannot nest; build children before their parent");
    }
}
