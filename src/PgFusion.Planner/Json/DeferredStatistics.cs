using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace PgFusion.Planner.Json;

/// <summary>
/// A relation's "stats" by attnum, each entry kept as its raw JSON text and decoded on first use.
/// Statistics are most of the envelope (every column's MCVs and histogram bounds, 90 % of TPC-H
/// Q8's 121 KB), while a query estimates from a few columns; decoding them all cost more than
/// planning the query. A malformed entry raises its QueryJsonException, naming its JSON path, when
/// it is first read.
/// </summary>
internal sealed class DeferredStatistics : IReadOnlyDictionary<int, ColumnStatistics>
{
    private readonly Dictionary<int, Entry> _entries = [];
    private readonly Lock _lock = new();

    private sealed class Entry(byte[] json, JsonPathSegment? path)
    {
        public byte[] Json { get; } = json;

        public JsonPathSegment? PathSegment { get; } = path;

        public ColumnStatistics? Decoded { get; set; }
    }

    /// <summary>Keeps <paramref name="entry"/> (an element of "stats") for attnum; a later entry for the same attnum wins.</summary>
    public void Add(int attnum, QueryTreeNode entry) =>
        _entries[attnum] = new Entry(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(entry.Element).ToArray(), entry.PathSegment);

    /// <summary>Keeps an entry cut out of the envelope text (<see cref="StatisticsExtractor"/>), found at <paramref name="path"/>.</summary>
    public void Add(int attnum, byte[] json, string path) => _entries[attnum] = new Entry(json, JsonPathSegment.Root(path));

    public bool TryGetValue(int key, [MaybeNullWhen(false)] out ColumnStatistics value)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            value = null;
            return false;
        }
        value = Decode(entry);
        return true;
    }

    private ColumnStatistics Decode(Entry entry)
    {
        lock (_lock)
        {
            if (entry.Decoded is { } done) return done;
            using var document = JsonDocument.Parse(entry.Json);
            var s = new QueryTreeNode(document.RootElement, entry.PathSegment);
            var statistics = new ColumnStatistics(
                s.Int32("attnum"),
                s.Optional("null_frac")?.Double() ?? 0,
                s.Optional("avg_width")?.Int32() ?? 0,
                s.Optional("n_distinct")?.Double() ?? 0,
                s.Optional("mcv_values")?.Items().Select(x => x.Text()).ToList(),
                s.Optional("mcv_freqs")?.Items().Select(x => x.Double()).ToList(),
                s.Optional("histogram")?.Items().Select(x => x.Text()).ToList(),
                s.Optional("correlation")?.Double());
            entry.Decoded = statistics;
            return statistics;
        }
    }

    public ColumnStatistics this[int key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"no statistics for attnum {key}");

    public IEnumerable<int> Keys => _entries.Keys;

    public IEnumerable<ColumnStatistics> Values => _entries.Values.Select(Decode);

    public int Count => _entries.Count;

    public bool ContainsKey(int key) => _entries.ContainsKey(key);

    public IEnumerator<KeyValuePair<int, ColumnStatistics>> GetEnumerator() =>
        _entries.Select(e => new KeyValuePair<int, ColumnStatistics>(e.Key, Decode(e.Value))).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
