using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>ORDER BY order of two rows given their evaluated sort keys (NULLS FIRST/LAST, DESC); 0 on ties.</summary>
internal static class SortRowComparer
{
    public static int Compare(Column[] ka, int ra, Column[] kb, int rb, IReadOnlyList<SortKey> keys, ColumnOps[] ops)
    {
        for (int j = 0; j < ka.Length; j++)
        {
            bool an = ka[j].IsNull(ra), bn = kb[j].IsNull(rb);
            if (an || bn)
            {
                if (an && bn) continue;
                return an == keys[j].NullsFirst ? -1 : 1;
            }
            int c = ops[j].Compare(ka[j], ra, kb[j], rb);
            if (c != 0) return keys[j].Descending ? -c : c;
        }
        return 0;
    }
}
