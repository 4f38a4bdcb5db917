using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Columns;

/// <summary>Appends single values at a column's end (aggregate results, buffered rows).</summary>
public static class ColumnAppend
{
    private static int Slot(Column c, bool valid)
    {
        int at = c.Length;
        c.EnsureCapacity(at + 1);
        c.EnsureValidity(at + 1).Set(at, valid);
        return at;
    }

    public static void Null(Column c)
    {
        int at = Slot(c, false);
        if (c is VarBinaryColumn v)
        {
            v.Append([]);
            v.Validity!.SetNull(at);
        }
        else
        {
            c.Length = at + 1;
        }
    }

    /// <summary>Appends <paramref name="n"/> NULLs.</summary>
    public static void Nulls(Column c, int n)
    {
        int at = c.Length;
        if (n <= 0) return;
        c.EnsureCapacity(at + n);
        var validity = c.EnsureValidity(at + n);
        for (int i = 0; i < n; i++) validity.SetNull(at + i);
        if (c is VarBinaryColumn v)
        {
            var offsets = v.Offsets;
            int end = offsets[at];
            for (int i = 1; i <= n; i++) offsets[at + i] = end;
        }
        c.Length = at + n;
    }

    public static void Value<T>(Column c, T value) where T : unmanaged
    {
        int at = Slot(c, true);
        ((PrimitiveColumn<T>)c).Values[at] = value;
        c.Length = at + 1;
    }

    public static void Bool(Column c, bool value)
    {
        int at = Slot(c, true);
        ((BooleanColumn)c).Set(at, value);
        c.Length = at + 1;
    }

    public static void Numeric(Column c, PgNumeric value)
    {
        int at = Slot(c, true);
        KernelColumns.SetNumeric((DecimalColumn)c, at, value);
        c.Length = at + 1;
    }

    public static void Bytes(Column c, ReadOnlySpan<byte> value)
    {
        var v = (VarBinaryColumn)c;
        int at = v.Length;
        v.Append(value);
        v.EnsureValidity(at + 1).SetValid(at);
    }
}
