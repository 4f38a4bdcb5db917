using System.Runtime.CompilerServices;
using PgFusion.Arrow;

namespace PgFusion.HeapDecoder.Tuple;

/// <summary>
/// Writes one attribute's values into its Arrow column. The tuple walker hands each decoder
/// the datum bytes: exactly attlen bytes for fixed-width types, the payload without varlena
/// header (already decompressed or detoasted) for varlena types. Rows arrive in order.
/// </summary>
internal abstract class ValueDecoder
{
    private ValidityBitmap? _validity;
    private int _capacity;

    protected Column Column { get; private set; } = null!;

    /// <summary>Binds the column for the next page; makes room for <paramref name="capacity"/> rows.</summary>
    public void Begin(Column column, int capacity)
    {
        Column = column;
        _capacity = capacity;
        Bind(column, capacity);
        _validity = column.Validity;
    }

    /// <summary>
    /// The column has room for <paramref name="rows"/> rows (at least Begin's capacity): the
    /// decoder stays bound over pages up to that many rows, and a validity bitmap it creates
    /// must cover them.
    /// </summary>
    public void Room(int rows) => _capacity = Math.Max(_capacity, rows);

    /// <summary>Checks the column class and caches its buffers (they may be reallocated on growth).</summary>
    protected abstract void Bind(Column column, int capacity);

    public abstract void Decode(ReadOnlySpan<byte> datum, int row);

    /// <summary>Writes a null; the validity bitmap is created on the first null of the column.</summary>
    public void DecodeNull(int row)
    {
        if (_validity is null)
        {
            // EnsureValidity marks the rows before this one valid, so Length must count them.
            Column.Length = row;
            _validity = Column.EnsureValidity(_capacity);
        }
        _validity.SetNull(row);
        WriteNull(row);
    }

    /// <summary>Puts a defined filler in the value slot of a null row.</summary>
    protected abstract void WriteNull(int row);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MarkValid(int row) => _validity?.SetValid(row);

    /// <summary>
    /// For fixed-width types stored as is: the column's value array (bound by Begin), which the
    /// tuple walker fills directly (then calls MarkValid); null for decoders that convert.
    /// </summary>
    public virtual Array? DirectValues => null;

    protected static TColumn Expect<TColumn>(Column column) where TColumn : Column =>
        column as TColumn ?? throw new ArgumentException($"decoder expects {typeof(TColumn).Name}, the batch has {column.GetType().Name}");
}
