namespace PgFusion.Types;

/// <summary>
/// One pg_attribute row of a relation, as the C hook sends it: everything the decoder needs to
/// walk a heap tuple without asking the catalog.
/// </summary>
/// <param name="AttNum">1-based attribute number.</param>
/// <param name="Len">attlen: &gt; 0 fixed width, -1 varlena, -2 cstring.</param>
/// <param name="Align">attalign: 'c', 's', 'i' or 'd'.</param>
/// <param name="MissingValue">
/// For atthasmissing columns, the default as PostgreSQL's raw datum bytes (for a by-value type the
/// value in little-endian order, for a varlena the whole varlena with its header); null when the
/// missing value is NULL or the column has none.
/// </param>
public sealed record AttributeLayout(
    int AttNum,
    string Name,
    PgType Type,
    short Len,
    bool ByVal,
    char Align,
    bool NotNull,
    bool IsDropped,
    bool HasMissing,
    byte[]? MissingValue)
{
    /// <summary>The alignment in bytes that attalign stands for.</summary>
    public int AlignBytes => Align switch { 'c' => 1, 's' => 2, 'i' => 4, 'd' => 8, _ => throw new InvalidOperationException($"attalign '{Align}' of attribute {AttNum}") };
}
