using System.Runtime.CompilerServices;
using PgFusion.Arrow;
using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Kernels;

/// <summary>Column reads and writes that generated kernels call (small, inlined by the JIT).</summary>
public static class KernelColumns
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsNull(ulong[]? validity, int row) => validity is not null && (validity[row >> 6] & (1UL << (row & 63))) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GetBit(ulong[] bits, int row) => (bits[row >> 6] & (1UL << (row & 63))) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetValid(ulong[] validity, int row) => validity[row >> 6] |= 1UL << (row & 63);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetBit(ulong[] bits, int row, bool value)
    {
        if (value) bits[row >> 6] |= 1UL << (row & 63);
        else bits[row >> 6] &= ~(1UL << (row & 63));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TextRef GetText(byte[] data, int[] offsets, int row) => new(data, offsets[row], offsets[row + 1] - offsets[row]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PgNumeric GetNumeric(DecimalColumn column, int row)
    {
        if (column.Kinds is { } kinds && kinds[row] != 0)
        {
            byte k = kinds[row];
            if (k == DecimalColumn.KindBig) return new PgNumeric(0, (short)column.ScaleAt(row), NumericKind.Finite, column.Big![row]);
            return new PgNumeric(0, 0, (NumericKind)k);
        }
        return new PgNumeric(column.Values[row], (short)column.ScaleAt(row));
    }

    public static void SetNumeric(DecimalColumn column, int row, PgNumeric value)
    {
        if (!value.IsFinite)
        {
            column.EnsureKinds()[row] = (byte)value.Kind;
            return;
        }
        if (column.DeclaredScale >= 0 && value.Scale != column.DeclaredScale)
            value = NumericMath.RoundToScale(value, column.DeclaredScale);
        if (column.Scales is null && column.DeclaredScale < 0)
            throw new InvalidOperationException("a numeric column holding one scale must be Prepared before values of their own scale are written");
        if (column.Kinds is { } kinds) kinds[row] = 0;
        if (column.Scales is { } scales) scales[row] = value.Scale;
        if (value.Big is { } big)
        {
            column.EnsureKinds()[row] = DecimalColumn.KindBig;
            (column.Big ??= [])[row] = big;
            return;
        }
        column.Values[row] = value.Unscaled;
    }

    /// <summary>A prepared output column that a fixed-scale kernel fills with finite values of one scale.</summary>
    public static void PrepareFixedScale(DecimalColumn column, int scale)
    {
        column.UseUniformScale(scale);
        column.Kinds = null;
        column.Big = null;
    }

    public static void AppendText(VarBinaryColumn column, TextRef value) => column.Append(value.Span);

    public static void AppendNullText(VarBinaryColumn column) => column.Append([]);

    /// <summary>Readies <paramref name="column"/> to receive <paramref name="rows"/> rows from row 0, all null until set.</summary>
    public static void Prepare(Column column, int rows)
    {
        column.Reset();
        column.EnsureCapacity(rows);
        var v = column.EnsureValidity(rows);
        v.Clear();
    }
}
