using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// The kernel of a projection whose every expression is a plain input column: a join's key
/// columns, a sort's keys, a final projection that reorders or drops columns. Its rows are copied
/// by ColumnGather's loops, compiled once with the library, so no code is generated and jitted for it (about a
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
            // the outputs keep their validity bitmaps (all rows valid when the source has none), as a generated kernel leaves them
            for (int j = 0; j < sources.Length; j++) ColumnGather.Append(input.Columns[sources[j]], selection, 0, rows, outputs[j], ops[j]);
        };
    }
}
