namespace PgFusion.Arrow;

/// <summary>An Arrow Boolean array: values bit-packed LSB-first like the validity bitmap.</summary>
public sealed class BooleanColumn : Column
{
    public BooleanColumn(int capacity) : base(ArrowType.Boolean) => Bits = new ValidityBitmap(capacity);

    /// <summary>Value bits (bit set = true).</summary>
    public ValidityBitmap Bits { get; }

    public override int Capacity => Math.Min(Bits.Capacity, ValidityRoom);

    public bool Get(int index) => Bits.IsValid(index);

    public void Set(int index, bool value) => Bits.Set(index, value);

    public override void EnsureCapacity(int capacity)
    {
        Bits.EnsureCapacity(capacity);
        Validity?.EnsureCapacity(capacity);
    }

    public override void Reset()
    {
        base.Reset();
        Bits.Clear();
    }
}
