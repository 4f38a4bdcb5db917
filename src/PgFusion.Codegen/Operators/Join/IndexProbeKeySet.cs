using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Spill;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Join;

/// <summary>
/// The distinct probe keys of an index-probe join's outer input, and those not sent to the backend
/// yet. The backend does not deduplicate (a key sent twice returns its rows twice), so every key is
/// checked against all keys sent before: the set grows with the distinct keys, and it counts against
/// the memory budget like the join's held outer batches.
/// <para>
/// Past the budget the set is frozen, as a hash aggregate's group table is: a key in it is a
/// duplicate; any other key is written to one of <see cref="HashPartitioner.Fanout"/> spill files
/// by its hash (duplicates and all). After the outer input, the set is dropped and each file is read
/// in a round of its own (<see cref="Rounds"/>) by a set one level deeper, which yields the file's
/// distinct keys and spills past the budget in turn. Keys of different files differ (different
/// hashes) and none is in a frozen set before it, so every key is sent once, and no more than the
/// budget's worth of keys is held at a time. Below <see cref="MaxLevel"/> levels a set keeps
/// growing instead (16^6 partitions of distinct keys: never in practice).
/// </para>
/// </summary>
internal sealed class IndexProbeKeySet
{
    /// <summary>
    /// Bytes a HashSet&lt;long&gt; slot takes: its entry (hash code, next index, value: 16 bytes)
    /// and its bucket (4 bytes). Counted per slot of capacity, since the set allocates its capacity.
    /// </summary>
    private const long SlotBytes = 20;

    /// <summary>Spill levels; the deepest set never freezes (HashAggregate's spill stops at 6 levels too).</summary>
    public const int MaxLevel = 6;

    private readonly ExecutionContext context;
    private readonly int level;
    private HashSet<long>? seen = [];
    private HashPartitioner? spilled;
    private SpillFile?[]? files;
    private readonly PrimitiveColumn<long> one = new(ArrowType.Int64, 1);
    private bool stopped;

    private readonly SpillOwner owner;

    /// <param name="node">The join the keys belong to (EXPLAIN ANALYZE's spill figures by node).</param>
    public IndexProbeKeySet(ExecutionContext context, OperatorNode? node, int level = 0)
    {
        owner = new SpillOwner(SpillOperator.IndexProbeKeys, node);
        this.context = context;
        this.level = level;
        one.Length = 1;
    }

    /// <summary>Keys seen and not sent yet, in arrival order (the join sorts them before sending).</summary>
    public List<long> Pending { get; } = [];

    /// <summary>A key came after <see cref="StopTracking"/>.</summary>
    public bool SawUntracked { get; private set; }

    /// <summary>The set is frozen: new keys go to spill files, to be read by <see cref="Rounds"/>.</summary>
    public bool Frozen => spilled is not null;

    /// <summary>Keys written to spill files (duplicates included), this level only.</summary>
    public long SpilledKeys { get; private set; }

    /// <summary>Bytes the set and the pending list hold now (their capacities).</summary>
    public long Bytes => (seen is null ? 0 : SlotBytes * seen.Capacity) + 8L * Pending.Capacity;

    /// <summary>The most <see cref="Bytes"/> held at once by this set or a deeper one (tests and figures).</summary>
    public long PeakBytes { get; private set; }

    /// <summary>Records a non-NULL key: pending when it was not seen before, spilled when the set is frozen and does not hold it.</summary>
    public void Add(long key)
    {
        if (seen is null)
        {
            SawUntracked = true;
            return;
        }
        if (spilled is not null)
        {
            if (!seen.Contains(key)) Spill(key);
            return;
        }
        if (GrowthPassesBudget() && !seen.Contains(key))
        {
            // freeze before the set grows past the budget: this key is the first to spill
            PeakBytes = Math.Max(PeakBytes, Bytes);
            spilled = new HashPartitioner([PgType.Int8], level, context, owner);
            Spill(key);
            return;
        }
        if (seen.Add(key))
        {
            Pending.Add(key);
            PeakBytes = Math.Max(PeakBytes, Bytes);
        }
    }

    /// <summary>
    /// Whether one more key would make the set or the pending list grow (each grows by about twice
    /// its capacity, the set to a prime above that) past the budget.
    /// </summary>
    private bool GrowthPassesBudget()
    {
        if (!context.Spill.Limited || level >= MaxLevel) return false;
        long slots = seen!.Count >= seen.Capacity ? Math.Max(8, seen.Capacity * 5L / 2) : seen.Capacity;
        long pending = Pending.Count >= Pending.Capacity ? Math.Max(4, 2L * Pending.Capacity) : Pending.Capacity;
        return SlotBytes * slots + 8 * pending > context.Spill.TableBudgetBytes;
    }

    private void Spill(long key)
    {
        one.Values[0] = key;
        spilled!.Add([one], 0, (int)key ^ (int)(key >> 32));
        SpilledKeys++;
    }

    /// <summary>
    /// After the last <see cref="Add"/> and once <see cref="Pending"/> was taken: drops the set and
    /// yields the spilled keys, one round of distinct keys at a time (each list is taken by the
    /// caller before the next round; none repeats a key sent before). Nothing when nothing spilled.
    /// </summary>
    public IEnumerable<List<long>> Rounds(CancellationToken cancellation)
    {
        if (spilled is null || stopped) yield break;
        var parts = files = spilled.Finish();
        spilled = null;
        seen = null;
        Pending.Capacity = 0;
        var into = new Column[] { PgArrowMapping.CreateColumn(PgType.Int8, ExecutionContext.BatchRows) };
        for (int p = 0; p < parts.Length; p++)
        {
            var file = parts[p];
            if (file is null) continue;
            var deeper = new IndexProbeKeySet(context, owner.Node, level + 1);
            try
            {
                int rows;
                while ((rows = file.Read(into)) >= 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var values = ((PrimitiveColumn<long>)into[0]).Values;
                    for (int k = 0; k < rows; k++) deeper.Add(values[k]);
                }
                file.Dispose();
                parts[p] = null;
                PeakBytes = Math.Max(PeakBytes, deeper.PeakBytes);
                yield return deeper.Pending;
                if (stopped) yield break;
                foreach (var round in deeper.Rounds(cancellation))
                {
                    PeakBytes = Math.Max(PeakBytes, deeper.PeakBytes);
                    yield return round;
                    if (stopped) yield break;
                }
            }
            finally
            {
                deeper.StopTracking();
            }
        }
    }

    /// <summary>Drops the set, the pending keys and the spill files: no key will be sent any more.</summary>
    public void StopTracking()
    {
        stopped = true;
        seen = null;
        Pending.Clear();
        Pending.Capacity = 0;
        if (spilled is not null) files = spilled.Finish();
        spilled = null;
        if (files is null) return;
        foreach (var f in files) f?.Dispose();
        files = null;
    }
}
