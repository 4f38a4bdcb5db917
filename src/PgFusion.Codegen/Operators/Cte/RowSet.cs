using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Spill;

namespace PgFusion.Codegen.Operators.Cte;

/// <summary>
/// The distinct rows seen so far (UNION's duplicate elimination across a recursive union's
/// iterations): NULLs equal each other, values compare with the types' equality (1.0 = 1.00).
/// </summary>
internal sealed class RowSet(ColumnOps[] ops, Column[] store)
{
    private readonly Dictionary<int, List<int>> buckets = [];
    private int count;

    /// <summary>Hash-index overhead per stored row (dictionary entry, bucket list), counted against the memory budget.</summary>
    private const long IndexBytesPerRow = 48;

    public int Count => count;

    /// <summary>The stored rows, in insertion order (what a spilled seen set writes to its partition file).</summary>
    public Column[] Store => store;

    /// <summary>Bytes held: the stored values plus the hash index.</summary>
    public long Bytes => ColumnMemory.Bytes(store) + IndexBytesPerRow * count;

    /// <summary>Whether an equal row is in the set (a frozen set is only probed).</summary>
    public bool Contains(IReadOnlyList<Column> columns, int row, int hash)
    {
        if (!buckets.TryGetValue(hash, out var list)) return false;
        foreach (int r in list)
            if (Same(columns, row, r)) return true;
        return false;
    }

    /// <summary>Adds row <paramref name="row"/> of <paramref name="columns"/>; false when an equal row is already in the set.</summary>
    public bool Add(IReadOnlyList<Column> columns, int row) => Add(columns, row, Hash(columns, row));

    /// <summary><see cref="Add(IReadOnlyList{Column}, int)"/> with the row's <see cref="Hash"/> already computed.</summary>
    public bool Add(IReadOnlyList<Column> columns, int row, int hash)
    {
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

    /// <summary>The row's hash: equal rows (1.0 and 1.00, NULL and NULL) hash alike.</summary>
    public int Hash(IReadOnlyList<Column> columns, int row)
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
