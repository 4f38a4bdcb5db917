using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// Splits rows into <see cref="Fanout"/> spill files by the hash of their keys. Each recursion
/// level takes its partition from other bits of the hash, so a partition that overflows again
/// splits further instead of landing in one file.
/// Each partition stages rows in memory and writes them as a block; the staged blocks and the
/// files' stream buffers come out of <see cref="SpillSpace.PartitionReserveBytes"/> (a sixteenth of
/// the budget, which the operator's table leaves free), split evenly between the partitions and,
/// within one, half to the staged block and half to the stream buffer. A block is written once its
/// measured bytes reach that share (at most <see cref="ExecutionContext.BatchRows"/> rows, at least
/// <see cref="MinBlockRows"/>), so wide rows make short blocks rather than many partitions passing
/// the budget. What they hold is reported to a gauge of the owner's node; <see cref="Finish"/>
/// lets the staging and the buffers go.
/// </summary>
internal sealed class HashPartitioner
{
    public const int Fanout = 16;

    /// <summary>The fewest rows staged before a block is written, whatever the budget.</summary>
    public const int MinBlockRows = 16;

    private readonly ExecutionContext context;
    private readonly ColumnOps[] ops;
    private readonly IReadOnlyList<PgType> types;
    private readonly int level;
    private readonly Column[]?[] staging = new Column[Fanout][];
    private readonly long[] stagedBytes = new long[Fanout];
    private readonly int[] checkAt = new int[Fanout];
    private readonly SpillFile?[] files = new SpillFile[Fanout];
    private readonly SpillOwner owner;
    private readonly long blockBytes;
    private readonly int bufferBytes;
    private MemoryGauge? gauge;

    public HashPartitioner(IReadOnlyList<PgType> types, int level, ExecutionContext context, SpillOwner owner)
    {
        this.owner = owner;
        this.types = types;
        this.level = level;
        this.context = context;
        ops = [.. types.Select(ColumnOps.For)];
        long share = context.Spill.Limited ? context.Spill.PartitionReserveBytes / Fanout : long.MaxValue / 4;
        blockBytes = Math.Max(1, share / 2);
        bufferBytes = (int)Math.Clamp(share / 2, SpillFile.MinBufferBytes, SpillFile.DefaultBufferBytes);
        Array.Fill(checkAt, MinBlockRows);
    }

    /// <summary>The bytes staged rows of one partition may take before they are written.</summary>
    public long BlockBytes => blockBytes;

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
        var into = staging[p] ??= [.. types.Select(t => PgArrowMapping.CreateColumn(t, MinBlockRows))];
        for (int j = 0; j < into.Length; j++) ops[j].Append(columns[j], row, into[j]);
        if (into[0].Length >= checkAt[p]) Measure(p);
    }

    /// <summary>
    /// Measures partition <paramref name="p"/>'s staged rows: written as a block once they reach the
    /// partition's share; the next measure comes when as many rows as the share holds (at the rows'
    /// bytes so far) are staged.
    /// </summary>
    private void Measure(int p)
    {
        var into = staging[p]!;
        int rows = into[0].Length;
        long bytes = ColumnMemory.Bytes(into);
        Report(p, bytes);
        long rowBytes = Math.Max(1, bytes / rows);
        int fit = (int)Math.Clamp(blockBytes / rowBytes, MinBlockRows, ExecutionContext.BatchRows);
        if (rows >= fit) Flush(p);
        checkAt[p] = fit;
    }

    private void Report(int p, long bytes)
    {
        gauge ??= context.Spill.Gauge(owner.Node);
        gauge.Add(bytes - stagedBytes[p]);
        stagedBytes[p] = bytes;
    }

    private void Flush(int p)
    {
        var into = staging[p];
        if (into is null || into[0].Length == 0) return;
        if (files[p] is null)
        {
            files[p] = context.Spill.Create(owner, bufferBytes);
            gauge ??= context.Spill.Gauge(owner.Node);
            gauge.Add(bufferBytes);
        }
        files[p]!.Write(into, into[0].Length);
        foreach (var c in into) c.Reset();
        Report(p, 0);
    }

    /// <summary>
    /// Writes what is staged, closes the files (their buffers go; a reader opens each again) and
    /// drops the staging; the partitions' files (null where a partition got no row).
    /// </summary>
    public SpillFile?[] Finish()
    {
        for (int p = 0; p < Fanout; p++)
        {
            Flush(p);
            staging[p] = null;
            files[p]?.Close();
        }
        gauge?.Dispose();
        gauge = null;
        return files;
    }
}
