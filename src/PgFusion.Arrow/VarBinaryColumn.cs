namespace PgFusion.Arrow;

/// <summary>
/// An Arrow Utf8 or Binary array: int32 offsets (Length + 1 of them) into one data buffer.
/// text, varchar, bpchar (padding kept) and name decode to Utf8; bytea to Binary.
/// </summary>
public sealed class VarBinaryColumn : Column
{
    public VarBinaryColumn(ArrowType type, int capacity, int dataCapacity = 0) : base(type)
    {
        Offsets = new int[RoundCapacity<int>(capacity + 1)];
        Data = new byte[Math.Max(64, (dataCapacity + 63) & ~63)];
    }

    public int[] Offsets { get; private set; }

    public byte[] Data { get; private set; }

    /// <summary>Rows the offsets and validity have room for (the data buffer grows with the bytes appended).</summary>
    public override int Capacity => Math.Min(Offsets.Length - 1, ValidityRoom);

    /// <summary>Bytes of data in use (= Offsets[Length]).</summary>
    public int DataLength => Offsets[Length];

    public ReadOnlySpan<byte> GetBytes(int index) => Data.AsSpan(Offsets[index], Offsets[index + 1] - Offsets[index]);

    public string GetString(int index) => System.Text.Encoding.UTF8.GetString(GetBytes(index));

    /// <summary>Appends a value (an empty one for a null row).</summary>
    public void Append(ReadOnlySpan<byte> value)
    {
        EnsureCapacity(Length + 1);
        int start = Offsets[Length];
        EnsureDataCapacity(start + value.Length);
        value.CopyTo(Data.AsSpan(start));
        Offsets[Length + 1] = start + value.Length;
        Length++;
    }

    public void EnsureDataCapacity(int bytes)
    {
        if (bytes > Data.Length)
        {
            var grown = new byte[(Math.Max(bytes, Data.Length * 2) + 63) & ~63];
            Array.Copy(Data, grown, Offsets[Length]);
            Data = grown;
            BufferVersion++;
        }
    }

    public override void EnsureCapacity(int capacity)
    {
        if (capacity + 1 > Offsets.Length)
        {
            var grown = new int[RoundCapacity<int>(Math.Max(capacity + 1, Offsets.Length * 2))];
            Array.Copy(Offsets, grown, Length + 1);
            Offsets = grown;
            BufferVersion++;
        }
        Validity?.EnsureCapacity(capacity);
    }

    public override void Reset()
    {
        base.Reset();
        Offsets[0] = 0;
    }
}
