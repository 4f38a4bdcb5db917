using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Spill;

namespace PgFusion.Codegen.Operators.Window;

/// <summary>
/// The read columns (ORDER BY keys and function arguments) of a window partition past the memory
/// budget: written to a spill file in blocks of <see cref="BlockRows"/> rows (block b holds rows
/// [b * BlockRows, (b + 1) * BlockRows)), read back a block at a time into a few cached slots.
/// <para>
/// The partition reads its rows through several cursors that each move forward (or, for a reverse
/// running aggregate, backward) through the partition: the current row, the frame's start and end,
/// an aggregate's feed, the copy out. Each stays within one block for 1024 rows, so a small cache
/// (least recently used slot replaced) serves them with one file read per block per cursor, and
/// what the partition holds is <see cref="CacheSlots"/> blocks and one file position per block
/// instead of its rows.
/// </para>
/// </summary>
internal sealed class WindowReadBlocks : IDisposable
{
    public const int BlockRows = 1024;

    /// <summary>Blocks held at once: more than the cursors that read at the same time.</summary>
    private const int CacheSlots = 16;

    private readonly SpillFile _file;
    private readonly List<long> _positions = []; // file position of each block
    private readonly Column[][] _slots;
    private readonly int[] _slotBlock; // the block a slot holds, -1 for none
    private readonly long[] _slotUse; // when a slot was last asked for
    private long _clock;

    public WindowReadBlocks(SpillSpace spill, SpillOwner owner, Types.PgType[] types)
    {
        _file = spill.Create(owner);
        _slots = new Column[CacheSlots][];
        _slotBlock = new int[CacheSlots];
        _slotUse = new long[CacheSlots];
        for (int s = 0; s < CacheSlots; s++)
        {
            _slots[s] = [.. types.Select(t => PgArrowMapping.CreateColumn(t, BlockRows))];
            _slotBlock[s] = -1;
        }
    }

    public int Blocks => _positions.Count;

    /// <summary>The bytes of the blocks the cache holds (measured as each is read).</summary>
    public long CachedBytes { get; private set; }

    private readonly long[] _slotBytes = new long[CacheSlots];

    /// <summary>Writes the next block (rows 0..rows-1 of <paramref name="columns"/>): a whole block except the partition's last.</summary>
    public void Write(Column[] columns, int rows) => _positions.Add(_file.Append(columns, rows));

    /// <summary>
    /// The read columns of block <paramref name="block"/>. They stay valid until the cache replaces
    /// the slot: not before <see cref="CacheSlots"/> - 1 other blocks were asked for, so a caller
    /// may hold two blocks at once (two rows compared) but must not keep one across other reads.
    /// </summary>
    public Column[] Block(int block)
    {
        if ((uint)block >= (uint)_positions.Count) throw new InvalidOperationException($"window partition block {block} asked of {_positions.Count} spilled blocks");
        int victim = 0;
        for (int s = 0; s < CacheSlots; s++)
        {
            if (_slotBlock[s] == block)
            {
                _slotUse[s] = ++_clock;
                return _slots[s];
            }
            if (_slotUse[s] < _slotUse[victim]) victim = s;
        }
        _file.ReadAt(_positions[block], _slots[victim]);
        long bytes = ColumnMemory.Bytes(_slots[victim]);
        CachedBytes += bytes - _slotBytes[victim];
        _slotBytes[victim] = bytes;
        _slotBlock[victim] = block;
        _slotUse[victim] = ++_clock;
        return _slots[victim];
    }

    public void Dispose() => _file.Dispose();
}
