using System.Runtime.InteropServices;

namespace PgFusion.Planner.Json;

/// <summary>
/// One "stats" entry's JSON text and, once a query has read it, its decoded statistics. Entries
/// come from <see cref="StatisticsTextCache"/>, which hands the same object to every query whose
/// envelope carries the same bytes, so a column's statistics (and the comparison keys the
/// selectivity estimator parses from them) are decoded once, not per query. What is decoded
/// depends on the bytes alone (never on the entry's path or the query), so sharing is exact; a
/// malformed entry is never stored as decoded, and every query that reads it raises its own
/// error naming its own path.
/// </summary>
internal sealed class StatisticsText(byte[] json)
{
    public byte[] Json { get; } = json;

    private ColumnStatistics? _decoded;

    /// <summary>Set once by the first successful decode; a race decodes twice and keeps either result (equal).</summary>
    public ColumnStatistics? Decoded
    {
        get => Volatile.Read(ref _decoded);
        set => Volatile.Write(ref _decoded, value);
    }
}

/// <summary>
/// Process-wide, content-addressed store of statistics entries (<see cref="StatisticsText"/>):
/// the key is the entry's exact JSON bytes, as the hook sends them, so a changed pg_statistic
/// row (new MCVs, histogram, n_distinct, null_frac...) is a different key and can never be served
/// a stale decode; nothing needs invalidating. Bounded: past <see cref="MaxBytes"/> of entry text
/// or <see cref="MaxEntries"/> entries it starts empty again.
/// </summary>
internal static class StatisticsTextCache
{
    internal const long MaxBytes = 32L << 20;
    internal const int MaxEntries = 16384;

    private static readonly Dictionary<byte[], StatisticsText> Entries = new(ContentComparer.Instance);
    private static readonly Dictionary<byte[], StatisticsText>.AlternateLookup<ReadOnlySpan<byte>> BySpan =
        Entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    private static readonly Lock Gate = new();
    private static long _bytes;

    /// <summary>The shared entry for these bytes (a copy of them is kept the first time).</summary>
    public static StatisticsText Get(ReadOnlySpan<byte> json)
    {
        lock (Gate)
        {
            if (BySpan.TryGetValue(json, out var known)) return known;
            if (Entries.Count >= MaxEntries || _bytes + json.Length > MaxBytes)
            {
                Entries.Clear();
                _bytes = 0;
            }
            var text = new StatisticsText(json.ToArray());
            Entries.Add(text.Json, text);
            _bytes += json.Length;
            return text;
        }
    }

    /// <summary>Entries held now (tests).</summary>
    internal static int Count
    {
        get
        {
            lock (Gate) return Entries.Count;
        }
    }

    private sealed class ContentComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ContentComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        // A sample of the bytes (the length, both ends and up to 64 words between): hashing all of
        // an entry would cost as much as the copy it saves. Equality compares every byte, so
        // entries that share a sample only share a bucket.
        private static int Hash(ReadOnlySpan<byte> s)
        {
            var h = new HashCode();
            h.Add(s.Length);
            if (s.Length < 256)
            {
                h.AddBytes(s);
                return h.ToHashCode();
            }
            h.AddBytes(s[..64]);
            h.AddBytes(s[^64..]);
            int stride = Math.Max(8, (s.Length - 128) / 64);
            for (int i = 64; i + 8 <= s.Length - 64; i += stride)
                h.Add(MemoryMarshal.Read<long>(s[i..]));
            return h.ToHashCode();
        }
    }
}
