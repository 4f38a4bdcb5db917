using PgFusion.Arrow;

namespace PgFusion.Codegen.Operators.Columns;

/// <summary>
/// Copies the rows a selection vector names into a compact column (row k = src row sel[k]):
/// typed loops for primitive and finite numeric columns, ColumnOps.Append for the rest.
/// </summary>
public static class ColumnGather
{
    public static void Gather(Column src, int[] selection, int count, Column dst, ColumnOps ops)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(dst);
        ArgumentNullException.ThrowIfNull(ops);
        dst.Reset();
        bool done = src switch
        {
            PrimitiveColumn<int> s => Values(s.Values, ((PrimitiveColumn<int>)dst), selection, count),
            PrimitiveColumn<long> s => Values(s.Values, ((PrimitiveColumn<long>)dst), selection, count),
            PrimitiveColumn<double> s => Values(s.Values, ((PrimitiveColumn<double>)dst), selection, count),
            PrimitiveColumn<short> s => Values(s.Values, ((PrimitiveColumn<short>)dst), selection, count),
            DecimalColumn s when s.Kinds is null && s.Big is null && s.Scales is null && ((DecimalColumn)dst).FixedScale == s.FixedScale =>
                Decimals(s, (DecimalColumn)dst, selection, count),
            _ => false,
        };
        if (!done)
        {
            dst.Reset();
            for (int k = 0; k < count; k++) ops.Append(src, selection[k], dst);
            return;
        }
        if (src.Validity is { } valid)
        {
            var v = dst.EnsureValidity(count);
            v.Clear();
            for (int k = 0; k < count; k++)
            {
                if (valid.IsValid(selection[k])) v.SetValid(k);
            }
        }
        else
        {
            dst.Validity = null;
        }
        dst.Length = count;
    }

    private static bool Values<T>(T[] src, PrimitiveColumn<T> dst, int[] selection, int count) where T : unmanaged
    {
        dst.EnsureCapacity(count);
        var d = dst.Values;
        for (int k = 0; k < count; k++) d[k] = src[selection[k]];
        return true;
    }

    private static bool Decimals(DecimalColumn src, DecimalColumn dst, int[] selection, int count)
    {
        dst.EnsureCapacity(count);
        var s = src.Values;
        var d = dst.Values;
        for (int k = 0; k < count; k++) d[k] = s[selection[k]];
        return true;
    }
}
