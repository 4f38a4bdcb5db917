using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>
/// The distinct rows seen so far (UNION's duplicate elimination across a recursive union's
/// iterations): NULLs equal each other, values compare with the types' equality (1.0 = 1.00).
/// </summary>
internal sealed class RowSet(ColumnOps[] ops, Column[] store)
{
    private readonly Dictionary<int, List<int>> buckets = [];
    private int count;

    /// <summary>Adds row <paramref name="row"/> of <paramref name="columns"/>; false when an equal row is already in the set.</summary>
    public bool Add(IReadOnlyList<Column> columns, int row)
    {
        int hash = Hash(columns, row);
        if (buckets.TryGetValue(hash, out var list))
        {
            foreach (int r in list)
                if (Same(columns, row, r)) return false;
        }
        else
        {
            buckets[hash] = list = [];
        }
        for (int j = 0; j < ops.Length; j++) ops[j].Append(columns[j], row, store[j]);
        list.Add(count++);
        return true;
    }

    private int Hash(IReadOnlyList<Column> columns, int row)
    {
        var h = new HashCode();
        for (int j = 0; j < ops.Length; j++) h.Add(columns[j].IsNull(row) ? 0x5bd1e995 : ops[j].Hash(columns[j], row));
        return h.ToHashCode();
    }

    private bool Same(IReadOnlyList<Column> columns, int row, int stored)
    {
        for (int j = 0; j < ops.Length; j++)
        {
            bool a = columns[j].IsNull(row), b = store[j].IsNull(stored);
            if (a || b)
            {
                if (a != b) return false;
                continue;
            }
            if (!ops[j].Equal(columns[j], row, store[j], stored)) return false;
        }
        return true;
    }
}
