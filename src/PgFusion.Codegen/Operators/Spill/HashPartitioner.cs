using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// Splits rows into <see cref="Fanout"/> spill files by the hash of their keys. Each recursion
/// level takes its partition from other bits of the hash, so a partition that overflows again
/// splits further instead of landing in one file.
/// </summary>
internal sealed class HashPartitioner
{
    public const int Fanout = 16;
    private readonly ExecutionContext context;
    private readonly ColumnOps[] ops;
    private readonly IReadOnlyList<PgType> types;
    private readonly int level;
    private readonly Column[]?[] staging = new Column[Fanout][];
    private readonly SpillFile?[] files = new SpillFile[Fanout];
    private readonly SpillOwner owner;

    public HashPartitioner(IReadOnlyList<PgType> types, int level, ExecutionContext context, SpillOwner owner)
    {
        this.owner = owner;
        this.types = types;
        this.level = level;
        this.context = context;
        ops = [.. types.Select(ColumnOps.For)];
    }

    public static int Partition(int hash, int level)
    {
        uint h = (uint)hash;
        h ^= h >> 16;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        h *= 0xC2B2AE35u;
        h ^= h >> 16;
        return (int)((h >> (4 * (level % 8))) & (Fanout - 1));
    }

    public void Add(Column[] columns, int row, int hash)
    {
        int p = Partition(hash, level);
        var into = staging[p] ??= [.. types.Select(t => PgArrowMapping.CreateColumn(t, ExecutionContext.BatchRows))];
        for (int j = 0; j < into.Length; j++) ops[j].Append(columns[j], row, into[j]);
        if (into[0].Length >= ExecutionContext.BatchRows) Flush(p);
    }

    private void Flush(int p)
    {
        var into = staging[p];
        if (into is null || into[0].Length == 0) return;
        var file = files[p] ??= context.Spill.Create(owner);
        file.Write(into, into[0].Length);
        foreach (var c in into) c.Reset();
    }

    /// <summary>Writes what is staged; the partitions' files (null where a partition got no row).</summary>
    public SpillFile?[] Finish()
    {
        for (int p = 0; p < Fanout; p++) Flush(p);
        return files;
    }
}
