using PgFusion.Codegen;

namespace PgFusion.Worker;

/// <summary>
/// Compiled plans by canonical key (the query JSON without "location" fields: the same query
/// text with different whitespace or position hits), plus the plan handles backends execute.
/// Unsupported answers are cached too. Handles are never reused. The cache holds at most
/// <see cref="Capacity"/> entries and drops the least recently used tenth past that: a worker
/// runs for as long as the cluster, and queries with ever new literals would otherwise fill
/// memory. A dropped handle costs a recompile: EXECUTE carries the plan's JSON (docs/ipc.md).
/// </summary>
internal sealed class PlanCache
{
    public const int DefaultCapacity = 4096;

    private readonly Dictionary<PlanKey, CacheEntry> byKey = new(PlanKey.Comparer.Instance);
    private readonly Dictionary<PlanKey, CacheEntry>.AlternateLookup<ReadOnlySpan<byte>> byCanonical;
    private readonly Dictionary<ulong, CacheEntry> byHandle = [];
    private readonly Lock gate = new();
    private long nextHandle;
    private long clock;

    public PlanCache(int capacity = DefaultCapacity)
    {
        Capacity = capacity;
        byCanonical = byKey.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Capacity { get; }

    public long Evictions { get; private set; }

    /// <summary>A cached answer: a compiled plan with its handle, or the reason the query is not supported.</summary>
    internal sealed record CacheEntry(PlanKey? Key, ulong Handle, CompiledQuery? Query, string? UnsupportedReason, double EstimatedRows)
    {
        /// <summary>Backends whose COMPILE figures wait for their EXECUTE; past this many (backends that planned and never executed), the waiting figures are dropped.</summary>
        private const int MaxWaitingBackends = 256;

        private readonly Dictionary<int, KernelFigures> planning = [];

        public long LastUse { get; set; }

        /// <summary>The kernels the plan's compile looked up (compiled or found): a later statement that takes the plan from the cache reuses them all.</summary>
        public KernelFigures Compiled { get; init; } = KernelFigures.None;

        /// <summary>
        /// Remembers how backend <paramref name="backendPid"/>'s last COMPILE of this plan went
        /// (compiled now, or taken from the cache) for its EXECUTE, which reports it in DONE.
        /// COMPILE and EXECUTE come on different slots, so the figures wait here, one set per
        /// backend: two backends that plan the same query at once each get their own.
        /// </summary>
        public void NotePlanning(int backendPid, KernelFigures figures)
        {
            lock (planning)
            {
                if (planning.Count >= MaxWaitingBackends && !planning.ContainsKey(backendPid)) planning.Clear();
                planning[backendPid] = figures;
            }
        }

        /// <summary>
        /// The figures of backend <paramref name="backendPid"/>'s COMPILE before this EXECUTE, once;
        /// a later execution of the same plan without a new COMPILE (a prepared statement) reuses
        /// every kernel of the plan.
        /// </summary>
        public KernelFigures TakePlanning(int backendPid)
        {
            lock (planning)
            {
                if (planning.Remove(backendPid, out var figures)) return figures;
            }
            return KernelFigures.FromPlanCache(Compiled.Compiled + Compiled.CacheHits);
        }
    }

    public static PlanKey CanonicalKey(ReadOnlySpan<byte> json) => PlanKey.Of(json);

    public bool TryGet(PlanKey key, out CacheEntry entry) => TryGet(key.Bytes, out entry);

    /// <summary>Looks up a key by its canonical bytes (<see cref="PlanKey.Strip"/>) without making a key.</summary>
    public bool TryGet(ReadOnlySpan<byte> canonical, out CacheEntry entry)
    {
        lock (gate)
        {
            if (!byCanonical.TryGetValue(canonical, out entry!)) return false;
            entry.LastUse = ++clock;
            return true;
        }
    }

    /// <summary>Caches a compiled plan under a new handle (and under <paramref name="key"/> when given).</summary>
    public CacheEntry AddCompiled(PlanKey? key, CompiledQuery query, double rows, KernelFigures? kernels = null)
    {
        lock (gate)
        {
            var entry = new CacheEntry(key, (ulong)Interlocked.Increment(ref nextHandle), query, null, rows)
            {
                LastUse = ++clock,
                Compiled = kernels ?? KernelFigures.None,
            };
            byHandle[entry.Handle] = entry;
            // Two backends that missed the same key at once both compiled it: the later plan takes
            // the key, and the earlier one's handle stays valid (its backend executes it next, and
            // its figures wait on it) until the least recently used entries are dropped.
            if (key is not null) byKey[key] = entry;
            EvictPastCapacity();
            return entry;
        }
    }

    public void AddUnsupported(PlanKey key, string reason)
    {
        lock (gate)
        {
            if (byKey.TryGetValue(key, out var old)) byHandle.Remove(old.Handle);
            byKey[key] = new CacheEntry(key, 0, null, reason, 0) { LastUse = ++clock };
            EvictPastCapacity();
        }
    }

    public CacheEntry? Find(ulong handle)
    {
        lock (gate)
        {
            if (!byHandle.TryGetValue(handle, out var entry)) return null;
            entry.LastUse = ++clock;
            return entry;
        }
    }

    private void EvictPastCapacity()
    {
        int entries = byHandle.Count + byKey.Count(kv => kv.Value.Query is null);
        if (entries <= Capacity) return;
        int drop = entries - Capacity + Capacity / 10;
        var victims = byHandle.Values.Concat(byKey.Values.Where(e => e.Query is null))
            .OrderBy(e => e.LastUse).Take(drop).ToList();
        foreach (var victim in victims)
        {
            if (victim.Query is not null) byHandle.Remove(victim.Handle);
            if (victim.Key is not null && byKey.TryGetValue(victim.Key, out var current) && ReferenceEquals(current, victim))
                byKey.Remove(victim.Key);
            Evictions++;
        }
    }
}
