namespace PgFusion.Arrow;

/// <summary>
/// One Arrow array of a batch. Buffers are managed arrays so compiled kernels (LINQ expression
/// trees) can index them directly; capacities are rounded up to 64-byte multiples as the Arrow
/// spec recommends. <see cref="Validity"/> is null when no row is null.
/// </summary>
public abstract class Column
{
    protected Column(ArrowType type) => Type = type;

    public ArrowType Type { get; }

    /// <summary>Rows in use.</summary>
    public int Length { get; set; }

    public ValidityBitmap? Validity
    {
        get => validity;
        set
        {
            validity = value;
            BufferVersion++;
        }
    }

    private ValidityBitmap? validity;

    /// <summary>
    /// Changes whenever one of the column's buffer arrays (values, validity, kinds, scales,
    /// offsets, data) is replaced, created or dropped, or its fixed scale changes: a reader that
    /// cached the buffers (HeapPageDecoder binds them once per batch) rebinds when it differs.
    /// </summary>
    public int BufferVersion { get; protected set; }

    public bool IsNull(int index) => Validity is { } v && !v.IsValid(index);

    public int NullCount => Validity?.CountNulls(Length) ?? 0;

    /// <summary>Rows every buffer of the column (its validity bitmap included) has room for now.</summary>
    public abstract int Capacity { get; }

    protected int ValidityRoom => Validity?.Capacity ?? int.MaxValue;

    /// <summary>Makes room for <paramref name="capacity"/> rows, keeping the first Length.</summary>
    public abstract void EnsureCapacity(int capacity);

    /// <summary>Sets Length to 0 so the column can be refilled without allocating.</summary>
    public virtual void Reset()
    {
        Length = 0;
        Validity?.Clear();
    }

    /// <summary>Returns the validity bitmap, creating it (all rows so far valid) on first use.</summary>
    public ValidityBitmap EnsureValidity(int capacity)
    {
        if (Validity is null)
        {
            Validity = new ValidityBitmap(capacity);
            Validity.SetAllValid(Length);
        }
        else
        {
            Validity.EnsureCapacity(capacity);
        }
        return Validity;
    }

    protected static int RoundCapacity<T>(int rows) where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        int perLine = Math.Max(1, 64 / size);
        return (Math.Max(rows, 1) + perLine - 1) / perLine * perLine;
    }
}
