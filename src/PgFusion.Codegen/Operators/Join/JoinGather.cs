using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Join;

/// <summary>
/// Copies rows <c>rows[0..n)</c> of a column into rows 0..n of an empty column of the same type:
/// a typed loop for fixed-width values and for numeric values that fit Decimal128 (no value held
/// in <see cref="DecimalColumn.Big"/>), <see cref="ColumnGather"/>'s for text and booleans,
/// <see cref="ColumnOps.Append"/> per row for the others.
/// </summary>
internal static class JoinGather
{
    public static void Gather(Column src, int[] rows, int n, Column dst, ColumnOps fallback)
    {
        switch (src)
        {
            case PrimitiveColumn<int> s: Primitive(s, (PrimitiveColumn<int>)dst, rows, n); break;
            case PrimitiveColumn<long> s: Primitive(s, (PrimitiveColumn<long>)dst, rows, n); break;
            case PrimitiveColumn<short> s: Primitive(s, (PrimitiveColumn<short>)dst, rows, n); break;
            case PrimitiveColumn<double> s: Primitive(s, (PrimitiveColumn<double>)dst, rows, n); break;
            case PrimitiveColumn<float> s: Primitive(s, (PrimitiveColumn<float>)dst, rows, n); break;
            case PrimitiveColumn<uint> s: Primitive(s, (PrimitiveColumn<uint>)dst, rows, n); break;
            case PrimitiveColumn<PgInterval> s: Primitive(s, (PrimitiveColumn<PgInterval>)dst, rows, n); break;
            case DecimalColumn s when dst is DecimalColumn d && Decimal(s, d, rows, n): break;
            // text and booleans: ColumnGather's typed loops (a value's bytes, not an Append call per row)
            case VarBinaryColumn or BooleanColumn when dst.GetType() == src.GetType():
                ColumnGather.Gather(src, rows, n, dst, fallback);
                break;
            default:
                for (int i = 0; i < n; i++) fallback.Append(src, rows[i], dst);
                break;
        }
    }

    /// <summary>
    /// Copies Decimal128 values with their scales and kinds (NaN, infinities) as they are, when
    /// that is what <see cref="ColumnOps.Append"/> would store: the destination is empty and
    /// either unconstrained or of the source's one scale, and no source value is held in Big.
    /// False (nothing written) otherwise.
    /// </summary>
    private static bool Decimal(DecimalColumn src, DecimalColumn dst, int[] rows, int n)
    {
        if (dst.Length != 0 || src.Big is { Count: > 0 }) return false;
        var srcScales = src.Scales;
        if (dst.DeclaredScale >= 0)
        {
            if (srcScales is not null || src.FixedScale != dst.DeclaredScale) return false;
        }
        else if (srcScales is null)
        {
            dst.UseUniformScale(src.FixedScale);
        }
        else if (dst.Scales is null)
        {
            return false;
        }
        dst.EnsureCapacity(n);
        var values = dst.Values;
        var from = src.Values;
        for (int i = 0; i < n; i++) values[i] = from[rows[i]];
        if (srcScales is not null)
        {
            var scales = dst.Scales!;
            for (int i = 0; i < n; i++) scales[i] = srcScales[rows[i]];
        }
        if (src.Kinds is { } kinds)
        {
            var to = dst.EnsureKinds();
            for (int i = 0; i < n; i++) to[i] = kinds[rows[i]];
        }
        else if (dst.Kinds is { } stale)
        {
            Array.Clear(stale, 0, n);
        }
        GatherValidity(src.Validity, dst.EnsureValidity(n), rows, n);
        dst.Length = n;
        return true;
    }

    private static void Primitive<T>(PrimitiveColumn<T> src, PrimitiveColumn<T> dst, int[] rows, int n)
        where T : unmanaged
    {
        dst.EnsureCapacity(n);
        var values = dst.Values;
        var from = src.Values;
        for (int i = 0; i < n; i++) values[i] = from[rows[i]];
        GatherValidity(src.Validity, dst.EnsureValidity(n), rows, n);
        dst.Length = n;
    }

    /// <summary>dst's validity for rows[0..n) of src's (all valid when src has no bitmap).</summary>
    private static void GatherValidity(ValidityBitmap? from, ValidityBitmap to, int[] rows, int n)
    {
        if (from is null)
        {
            to.SetAllValid(n);
            return;
        }
        for (int i = 0; i < n; i++) to.Set(i, from.IsValid(rows[i]));
    }
}
