using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// The kernel of a projection whose every expression is a plain input column: a join's key
/// columns, a sort's keys, a final projection that reorders or drops columns. Its rows are copied
/// by loops compiled once with the library, so no code is generated and jitted for it (about a
/// third of a query's cold compile time went to such kernels). Its expression tree is still built
/// on request, for dumps. Same contract as a generated projection kernel: the outputs come
/// prepared (empty, all rows NULL) and receive the input's live rows from row 0.
/// </summary>
public static class ColumnCopyKernel
{
    /// <summary>The input column each expression reads, or null when one of them is not a plain column.</summary>
    public static int[]? Sources(IReadOnlyList<BoundExpr> exprs, IReadOnlyList<PgType> inputTypes)
    {
        var sources = new int[exprs.Count];
        for (int j = 0; j < exprs.Count; j++)
        {
            if (exprs[j] is not BoundColumnRef c || c.Index < 0 || c.Index >= inputTypes.Count
                || KernelTypes.Require(c.Type) != KernelTypes.Require(inputTypes[c.Index]))
                return null;
            sources[j] = c.Index;
        }
        return sources;
    }

    public static ProjectKernel Create(int[] sources, IReadOnlyList<PgType> types)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var ops = types.Select(ColumnOps.For).ToArray();
        return (input, outputs, _) =>
        {
            int rows = input.LiveRows;
            int[]? selection = input.Selection;
            for (int j = 0; j < sources.Length; j++) Copy(input.Columns[sources[j]], selection, rows, outputs[j], ops[j]);
        };
    }

    private static void Copy(Column src, int[]? selection, int rows, Column dst, ColumnOps ops)
    {
        bool copied = (src, dst) switch
        {
            (PrimitiveColumn<int> s, PrimitiveColumn<int> d) => Values(s.Values, d.Values, selection, rows),
            (PrimitiveColumn<long> s, PrimitiveColumn<long> d) => Values(s.Values, d.Values, selection, rows),
            (PrimitiveColumn<double> s, PrimitiveColumn<double> d) => Values(s.Values, d.Values, selection, rows),
            (PrimitiveColumn<short> s, PrimitiveColumn<short> d) => Values(s.Values, d.Values, selection, rows),
            (PrimitiveColumn<float> s, PrimitiveColumn<float> d) => Values(s.Values, d.Values, selection, rows),
            (PrimitiveColumn<uint> s, PrimitiveColumn<uint> d) => Values(s.Values, d.Values, selection, rows),
            (DecimalColumn s, DecimalColumn d) when s.Kinds is null && s.Big is null && s.Scales is null && s.FixedScale == d.FixedScale && d.Scales is null =>
                Values(s.Values, d.Values, selection, rows),
            _ => false,
        };
        if (!copied)
        {
            // text, bool, interval and numeric with special values or scales per row: one row at a time
            for (int k = 0; k < rows; k++) ops.Append(src, selection is null ? k : selection[k], dst);
            return;
        }
        var valid = dst.EnsureValidity(rows);
        if (src.Validity is not { } from)
            valid.SetAllValid(rows);
        else if (selection is null)
            Array.Copy(from.Words, valid.Words, (rows + 63) >> 6);
        else
        {
            for (int k = 0; k < rows; k++)
            {
                if (from.IsValid(selection[k])) valid.SetValid(k);
            }
        }
    }

    private static bool Values<T>(T[] src, T[] dst, int[]? selection, int rows) where T : unmanaged
    {
        if (selection is null)
        {
            Array.Copy(src, dst, rows);
            return true;
        }
        for (int k = 0; k < rows; k++) dst[k] = src[selection[k]];
        return true;
    }
}
