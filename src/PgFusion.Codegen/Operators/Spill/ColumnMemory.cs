using PgFusion.Arrow;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// What the buffering operators count against the memory budget: the bytes of the rows held in
/// their columns (values, offsets and text, validity), not the arrays' spare capacity. A numeric
/// too wide for 128 bits (<see cref="DecimalColumn.Big"/>) adds <see cref="BigNumericBytes"/>.
/// </summary>
internal static class ColumnMemory
{
    /// <summary>Bytes counted per wide numeric value: its dictionary entry and BigInteger (up to 1000 digits' worth of words, ~100 bytes for most).</summary>
    public const int BigNumericBytes = 128;

    public static long Bytes(Column c)
    {
        long rows = c.Length;
        long validity = c.Validity is null ? 0 : (rows + 7) / 8;
        return validity + c switch
        {
            BooleanColumn => (rows + 7) / 8,
            VarBinaryColumn t => 4 * (rows + 1) + t.Offsets[c.Length],
            DecimalColumn d => rows * (16 + (d.Scales is null ? 0 : 2) + (d.Kinds is null ? 0 : 1)) + (long)BigNumericBytes * (d.Big?.Count ?? 0),
            PrimitiveColumn<short> => 2 * rows,
            PrimitiveColumn<int> or PrimitiveColumn<uint> or PrimitiveColumn<float> => 4 * rows,
            PrimitiveColumn<long> or PrimitiveColumn<double> => 8 * rows,
            _ => 16 * rows,
        };
    }

    public static long Bytes(Column[] columns)
    {
        long sum = 0;
        foreach (var c in columns) sum += Bytes(c);
        return sum;
    }

    public static long Bytes(IReadOnlyList<Column> columns)
    {
        long sum = 0;
        for (int i = 0; i < columns.Count; i++) sum += Bytes(columns[i]);
        return sum;
    }
}
