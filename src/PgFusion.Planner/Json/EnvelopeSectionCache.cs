namespace PgFusion.Planner.Json;

/// <summary>
/// Process-wide stores of what the envelope reader made of a top-level "relations" array and
/// "catalog" object, keyed by their exact bytes: the hook sends the same relations (layouts,
/// indexes, statistics) and catalog names again and again, and reading them (scanning ~100 KB of
/// statistics, parsing attributes and indexes) was about a fifth of planning a TPC-H query.
/// A section is stored only after an envelope holding it was read without error, and what was
/// read from it depends on its bytes alone: both sections always sit at the same place
/// ($.relations, $.catalog), so even the paths of the errors a relation's statistics raise when
/// first decoded are the same. A hit is found without scanning the section: a JSON array or
/// object ends where its bytes say, so when the bytes at the section's start equal a stored
/// section's bytes, that is the whole section. Bounded by entries and bytes (then it starts empty).
/// </summary>
internal static class EnvelopeSectionCache
{
    public static readonly SectionStore<IReadOnlyDictionary<uint, RelationInfo>> Relations = new(64, 64L << 20);

    public static readonly SectionStore<QueryCatalog> Catalogs = new(256, 8L << 20);

    internal sealed class SectionStore<T>(int maxEntries, long maxBytes)
        where T : class
    {
        // candidates are found by a hash of the first bytes; equality is checked over every byte
        private const int Prefix = 64;

        private readonly Lock _gate = new();
        private Dictionary<int, (byte[] Bytes, T Value)[]> _byPrefix = [];

        // the same sections by a hash of their last bytes, to find them from the envelope's end
        private Dictionary<int, (byte[] Bytes, T Value)[]> _bySuffix = [];
        private int _count;
        private long _bytes;

        /// <summary>The stored value whose bytes start at <paramref name="start"/>, and where they end.</summary>
        public bool TryMatch(ReadOnlySpan<byte> json, int start, out int end, out T? value)
        {
            end = -1;
            value = null;
            if (json.Length - start < Prefix) return false;
            int hash = Hash(json.Slice(start, Prefix));
            (byte[] Bytes, T Value)[]? candidates;
            lock (_gate)
            {
                if (!_byPrefix.TryGetValue(hash, out candidates)) return false;
            }
            foreach (var (bytes, stored) in candidates)
            {
                if (bytes.Length <= json.Length - start && json.Slice(start, bytes.Length).SequenceEqual(bytes))
                {
                    end = start + bytes.Length;
                    value = stored;
                    return true;
                }
            }
            return false;
        }

        /// <summary>The stored value whose bytes end just before <paramref name="end"/>, and where they start.</summary>
        public bool TryMatchEnding(ReadOnlySpan<byte> json, int end, out int start, out T? value)
        {
            start = -1;
            value = null;
            if (end < Prefix || end > json.Length) return false;
            int hash = Hash(json.Slice(end - Prefix, Prefix));
            (byte[] Bytes, T Value)[]? candidates;
            lock (_gate)
            {
                if (!_bySuffix.TryGetValue(hash, out candidates)) return false;
            }
            foreach (var (bytes, stored) in candidates)
            {
                if (bytes.Length <= end && json.Slice(end - bytes.Length, bytes.Length).SequenceEqual(bytes))
                {
                    start = end - bytes.Length;
                    value = stored;
                    return true;
                }
            }
            return false;
        }

        /// <summary>Keeps <paramref name="value"/> for these bytes (a copy of them); short sections are not worth it.</summary>
        public void Store(ReadOnlySpan<byte> bytes, T value)
        {
            if (bytes.Length < Prefix || bytes.Length > maxBytes) return;
            int hash = Hash(bytes[..Prefix]);
            lock (_gate)
            {
                var candidates = _byPrefix.GetValueOrDefault(hash) ?? [];
                foreach (var c in candidates)
                {
                    if (bytes.SequenceEqual(c.Bytes)) return;
                }
                if (_count >= maxEntries || _bytes + bytes.Length > maxBytes)
                {
                    _byPrefix = [];
                    _bySuffix = [];
                    _count = 0;
                    _bytes = 0;
                    candidates = [];
                }
                // copy on write: readers hold the array they found
                var entry = (bytes.ToArray(), value);
                _byPrefix[hash] = [.. candidates, entry];
                int suffix = Hash(bytes[^Prefix..]);
                _bySuffix[suffix] = [.. _bySuffix.GetValueOrDefault(suffix) ?? [], entry];
                _count++;
                _bytes += bytes.Length;
            }
        }

        /// <summary>Sections held now (tests).</summary>
        internal int Count
        {
            get
            {
                lock (_gate) return _count;
            }
        }

        private static int Hash(ReadOnlySpan<byte> prefix)
        {
            var h = new HashCode();
            h.AddBytes(prefix);
            return h.ToHashCode();
        }
    }
}
