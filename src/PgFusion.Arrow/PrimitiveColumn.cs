namespace PgFusion.Arrow;

/// <summary>A fixed-width Arrow array (Int16/32/64, Float32/64, Date32, Time64, Timestamp, UInt32).</summary>
public sealed class PrimitiveColumn<T> : Column where T : unmanaged
{
    public PrimitiveColumn(ArrowType type, int capacity) : base(type) => Values = new T[RoundCapacity<T>(capacity)];

    public T[] Values { get; private set; }

    public override int Capacity => Math.Min(Values.Length, ValidityRoom);

    public override void EnsureCapacity(int capacity)
    {
        if (capacity > Values.Length)
        {
            var grown = new T[RoundCapacity<T>(Math.Max(capacity, Values.Length * 2))];
            Array.Copy(Values, grown, Length);
            Values = grown;
            BufferVersion++;
        }
        Validity?.EnsureCapacity(capacity);
    }
}
