using PgFusion.Arrow;
using PgFusion.Codegen.Functions;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Columns;

/// <summary>
/// Per-type row operations the buffering operators (sort, hash aggregate) need: copy a row,
/// compare, test equality and hash as the type's btree / hash opclass would (float: NaN = NaN and
/// -0 = 0; numeric: 1.0 = 1.00; bpchar: trailing spaces ignored; text: byte order, the C collation).
/// Values passed to Compare/Equal/Hash are non-null.
/// </summary>
public abstract class ColumnOps
{
    /// <summary>Appends row <paramref name="row"/> of <paramref name="src"/> (NULL included) at dst.Length.</summary>
    public abstract void Append(Column src, int row, Column dst);

    public abstract int Compare(Column a, int ra, Column b, int rb);

    public virtual bool Equal(Column a, int ra, Column b, int rb) => Compare(a, ra, b, rb) == 0;

    public abstract int Hash(Column c, int row);

    public virtual bool CanCompare => true;

    public static ColumnOps For(PgType type) => KernelTypes.Require(type) switch
    {
        var t when t == typeof(bool) => new BoolOps(),
        var t when t == typeof(short) => new PrimitiveOps<short>(),
        var t when t == typeof(int) => new PrimitiveOps<int>(),
        var t when t == typeof(long) => new PrimitiveOps<long>(),
        var t when t == typeof(uint) => new PrimitiveOps<uint>(),
        var t when t == typeof(UInt128) => new PrimitiveOps<UInt128>(),
        var t when t == typeof(float) => new FloatOps(),
        var t when t == typeof(double) => new DoubleOps(),
        var t when t == typeof(PgNumeric) => new NumericOps(),
        var t when t == typeof(TextRef) => new TextOps(type.Oid == PgTypeOid.Bpchar),
        var t when t == typeof(PgInterval) => new IntervalOps(),
        var t => throw new UnsupportedException($"no row operations for {t.Name}"),
    };

    /// <summary>Makes room for one more row at dst.Length and records whether it is null; returns the row index.</summary>
    protected static int Grow(Column src, int row, Column dst, out bool isNull)
    {
        int at = dst.Length;
        dst.EnsureCapacity(at + 1);
        var v = dst.EnsureValidity(at + 1);
        isNull = src.IsNull(row);
        v.Set(at, !isNull);
        dst.Length = at + 1;
        return at;
    }

    private class PrimitiveOps<T> : ColumnOps where T : unmanaged, IComparable<T>
    {
        public override void Append(Column src, int row, Column dst)
        {
            int at = Grow(src, row, dst, out _);
            ((PrimitiveColumn<T>)dst).Values[at] = ((PrimitiveColumn<T>)src).Values[row];
        }

        public override int Compare(Column a, int ra, Column b, int rb) =>
            ((PrimitiveColumn<T>)a).Values[ra].CompareTo(((PrimitiveColumn<T>)b).Values[rb]);

        public override int Hash(Column c, int row) => ((PrimitiveColumn<T>)c).Values[row].GetHashCode();
    }

    private sealed class FloatOps : PrimitiveOps<float>
    {
        public override int Compare(Column a, int ra, Column b, int rb) =>
            FloatFunctions.Float8Cmp(((PrimitiveColumn<float>)a).Values[ra], ((PrimitiveColumn<float>)b).Values[rb]);

        public override int Hash(Column c, int row) => DoubleOps.HashDouble(((PrimitiveColumn<float>)c).Values[row]);
    }

    private sealed class DoubleOps : PrimitiveOps<double>
    {
        public override int Compare(Column a, int ra, Column b, int rb) =>
            FloatFunctions.Float8Cmp(((PrimitiveColumn<double>)a).Values[ra], ((PrimitiveColumn<double>)b).Values[rb]);

        public override int Hash(Column c, int row) => HashDouble(((PrimitiveColumn<double>)c).Values[row]);

        public static int HashDouble(double v) => v == 0.0 ? 0 : double.IsNaN(v) ? int.MaxValue : v.GetHashCode();
    }

    private sealed class BoolOps : ColumnOps
    {
        public override void Append(Column src, int row, Column dst)
        {
            int at = Grow(src, row, dst, out _);
            ((BooleanColumn)dst).Set(at, ((BooleanColumn)src).Get(row));
        }

        public override int Compare(Column a, int ra, Column b, int rb) => ((BooleanColumn)a).Get(ra).CompareTo(((BooleanColumn)b).Get(rb));

        public override int Hash(Column c, int row) => ((BooleanColumn)c).Get(row) ? 1 : 0;
    }

    private sealed class NumericOps : ColumnOps
    {
        public override void Append(Column src, int row, Column dst)
        {
            int at = Grow(src, row, dst, out bool isNull);
            if (!isNull) KernelColumns.SetNumeric((DecimalColumn)dst, at, KernelColumns.GetNumeric((DecimalColumn)src, row));
        }

        public override int Compare(Column a, int ra, Column b, int rb) =>
            NumericMath.Compare(KernelColumns.GetNumeric((DecimalColumn)a, ra), KernelColumns.GetNumeric((DecimalColumn)b, rb));

        public override int Hash(Column c, int row) => NumericMath.Hash(KernelColumns.GetNumeric((DecimalColumn)c, row));
    }

    private sealed class TextOps(bool bpchar) : ColumnOps
    {
        public override void Append(Column src, int row, Column dst)
        {
            var s = (VarBinaryColumn)src;
            var d = (VarBinaryColumn)dst;
            bool isNull = s.IsNull(row);
            int at = d.Length;
            d.Append(isNull ? [] : s.GetBytes(row));
            d.EnsureValidity(at + 1).Set(at, !isNull);
        }

        private ReadOnlySpan<byte> Bytes(Column c, int row)
        {
            var s = ((VarBinaryColumn)c).GetBytes(row);
            if (bpchar)
            {
                int n = s.Length;
                while (n > 0 && s[n - 1] == (byte)' ') n--;
                s = s[..n];
            }
            return s;
        }

        public override int Compare(Column a, int ra, Column b, int rb) => Bytes(a, ra).SequenceCompareTo(Bytes(b, rb));

        public override bool Equal(Column a, int ra, Column b, int rb) => Bytes(a, ra).SequenceEqual(Bytes(b, rb));

        public override int Hash(Column c, int row)
        {
            var h = new HashCode();
            h.AddBytes(Bytes(c, row));
            return h.ToHashCode();
        }
    }

    /// <summary>
    /// Intervals are carried through and compared for min / max (interval_larger / interval_smaller)
    /// as interval_cmp_internal does: by interval_cmp_value (<see cref="IntervalFunctions.CmpValue"/>), the span as 128-bit microseconds with a
    /// month taken as 30 days and a day as 24 hours, so '1 mon' = '30 days' = '720 hours'. Sorting
    /// and grouping on interval are not offered yet (<see cref="CanCompare"/> false, no hash).
    /// </summary>
    private sealed class IntervalOps : ColumnOps
    {
        public override bool CanCompare => false;

        public override void Append(Column src, int row, Column dst)
        {
            int at = Grow(src, row, dst, out _);
            ((PrimitiveColumn<PgInterval>)dst).Values[at] = ((PrimitiveColumn<PgInterval>)src).Values[row];
        }

        public override int Compare(Column a, int ra, Column b, int rb) =>
            IntervalFunctions.CmpValue(((PrimitiveColumn<PgInterval>)a).Values[ra]).CompareTo(IntervalFunctions.CmpValue(((PrimitiveColumn<PgInterval>)b).Values[rb]));

        public override int Hash(Column c, int row) => throw new UnsupportedException("interval grouping is not supported");
    }
}
