namespace PgFusion.Arrow;

/// <summary>
/// PostgreSQL numeric as Arrow Decimal128: value = Values[i] / 10^scale. A numeric(p, s) column
/// has one scale for all rows (<see cref="FixedScale"/> &gt;= 0, <see cref="Scales"/> null). An
/// unconstrained numeric keeps each value's display scale in <see cref="Scales"/>
/// (FixedScale = -1), because PostgreSQL prints and computes with per-value dscale.
/// Rows whose <see cref="Kinds"/> entry is non-zero hold NaN, +Infinity or -Infinity
/// (PgFusion.Types.NumericKind); Kinds is null when every row is finite. Values beyond 38 digits
/// are held in <see cref="Big"/> with Kinds = 4 (Big).
/// A kernel that computes an unconstrained numeric whose scale it knows for the whole batch
/// (fixed-scale arithmetic) switches the column to one scale with <see cref="UseUniformScale"/>;
/// <see cref="Reset"/> returns it to a scale per value.
/// </summary>
public sealed class DecimalColumn : Column
{
    public const byte KindBig = 4;

    public DecimalColumn(int capacity, int precision, int fixedScale)
        : base(new ArrowType(ArrowTypeId.Decimal128, precision, Math.Max(fixedScale, 0)))
    {
        Values = new Int128[RoundCapacity<Int128>(capacity)];
        FixedScale = fixedScale;
        DeclaredScale = fixedScale;
        if (fixedScale < 0) Scales = new short[Values.Length];
    }

    public Int128[] Values { get; private set; }

    /// <summary>The scale every row has (Scales null), or -1 when each row has its own (Scales).</summary>
    public int FixedScale { get; private set; }

    /// <summary>The type's scale: numeric(p, s)'s s, or -1 for an unconstrained numeric.</summary>
    public int DeclaredScale { get; }

    public short[]? Scales { get; private set; }

    public byte[]? Kinds
    {
        get => kinds;
        set
        {
            kinds = value;
            BufferVersion++;
        }
    }

    private byte[]? kinds;

    public Dictionary<int, System.Numerics.BigInteger>? Big { get; set; }

    public override int Capacity =>
        Math.Min(Math.Min(Values.Length, Scales?.Length ?? int.MaxValue), Math.Min(Kinds?.Length ?? int.MaxValue, ValidityRoom));

    public int ScaleAt(int index) => Scales is null ? FixedScale : Scales[index];

    public override void EnsureCapacity(int capacity)
    {
        if (capacity > Values.Length)
        {
            int n = RoundCapacity<Int128>(Math.Max(capacity, Values.Length * 2));
            var grown = new Int128[n];
            Array.Copy(Values, grown, Length);
            Values = grown;
            if (Scales is not null)
            {
                var s = new short[n];
                Array.Copy(Scales, s, Length);
                Scales = s;
            }
            if (Kinds is not null)
            {
                var k = new byte[n];
                Array.Copy(Kinds, k, Length);
                Kinds = k;
            }
            BufferVersion++;
        }
        Validity?.EnsureCapacity(capacity);
    }

    public byte[] EnsureKinds()
    {
        Kinds ??= new byte[Values.Length];
        return Kinds;
    }

    /// <summary>An unconstrained column whose current values all have <paramref name="scale"/> (no-op for numeric(p, s)).</summary>
    public void UseUniformScale(int scale)
    {
        if (DeclaredScale >= 0) return;
        ArgumentOutOfRangeException.ThrowIfNegative(scale);
        if (Scales is not null) spareScales = Scales;
        Scales = null;
        FixedScale = scale;
        BufferVersion++;
    }

    private short[]? spareScales;

    public override void Reset()
    {
        base.Reset();
        if (DeclaredScale < 0 && Scales is null)
        {
            Scales = spareScales is { } s && s.Length >= Values.Length ? s : new short[Values.Length];
            spareScales = null;
            FixedScale = -1;
            BufferVersion++;
        }
        if (Kinds is not null) Array.Clear(Kinds);
        Big?.Clear();
    }
}
