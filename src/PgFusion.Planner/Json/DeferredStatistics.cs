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

    // The text and its decode are shared by every envelope with the same bytes (StatisticsTextCache);
    // the path is this envelope's, for the error of a malformed entry.
    private sealed class Entry(StatisticsText text, JsonPathSegment? path)
    {
        public StatisticsText Text { get; } = text;

        public byte[] Json => Text.Json;

        public JsonPathSegment? PathSegment { get; } = path;
    }

    /// <summary>Keeps <paramref name="entry"/> (an element of "stats") for attnum; a later entry for the same attnum wins.</summary>
    public void Add(int attnum, QueryTreeNode entry) =>
        _entries[attnum] = new Entry(new StatisticsText(entry.Element.RawBytes.ToArray()), entry.PathSegment);

    /// <summary>Keeps an entry cut out of the envelope text (<see cref="StatisticsExtractor"/>), found at <paramref name="path"/>.</summary>
    public void Add(int attnum, byte[] json, JsonPathSegment path) => _entries[attnum] = new Entry(new StatisticsText(json), path);

    /// <summary>Keeps a shared entry (<see cref="StatisticsTextCache"/>) found at <paramref name="path"/> in this envelope.</summary>
    public void Add(int attnum, StatisticsText text, JsonPathSegment path) => _entries[attnum] = new Entry(text, path);

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
        if (entry.Text.Decoded is { } shared) return shared;
        lock (_lock)
        {
            if (entry.Text.Decoded is { } done) return done;
            if (TryDecodeFast(entry.Json) is { } fast)
            {
                entry.Text.Decoded = fast;
                return fast;
            }
            if (QueryJsonTree.TryParse(entry.Json) is not { } document)
            {
                // StatisticsScanner leaves the syntax of an entry to its first reader; the reader's message
                string message = "the statistics entry is not valid JSON";
                try
                {
                    using var _ = JsonDocument.Parse(entry.Json);
                }
                catch (JsonException e)
                {
                    throw new QueryJsonException(entry.PathSegment?.ToString() ?? "$", "malformed JSON: " + e.Message, e);
                }
                throw new QueryJsonException(entry.PathSegment?.ToString() ?? "$", "malformed JSON: " + message);
            }
            using var owned = document;
            var s = new QueryTreeNode(document.Root, entry.PathSegment);
            var statistics = new ColumnStatistics(
                s.Int32("attnum"),
                s.Optional("null_frac")?.Double() ?? 0,
                s.Optional("avg_width")?.Int32() ?? 0,
                s.Optional("n_distinct")?.Double() ?? 0,
                s.Optional("mcv_values")?.Items().Select(x => x.Text()).ToList(),
                s.Optional("mcv_freqs")?.Items().Select(x => x.Double()).ToList(),
                s.Optional("histogram")?.Items().Select(x => x.Text()).ToList(),
                s.Optional("correlation")?.Double());
            entry.Text.Decoded = statistics;
            return statistics;
        }
    }

    /// <summary>
    /// The entry read with one Utf8JsonReader pass, or null when it holds anything the document
    /// path would report or read differently (a repeated field, a value of an unexpected kind, a
    /// number out of range, broken JSON): the caller then decodes it that way, with its errors.
    /// </summary>
    private static ColumnStatistics? TryDecodeFast(byte[] json)
    {
        // Text values of a valid UTF-8 entry decode without errors, so they can wait (LazyTexts)
        if (!System.Text.Unicode.Utf8.IsValid(json)) return null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            int? attnum = null, avgWidth = null;
            double? nullFrac = null, nDistinct = null, correlation = null;
            IReadOnlyList<string>? mcvValues = null, histogram = null;
            List<double>? mcvFreqs = null;
            int seen = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                int field = reader.ValueTextEquals("attnum"u8) ? 1
                    : reader.ValueTextEquals("null_frac"u8) ? 2
                    : reader.ValueTextEquals("avg_width"u8) ? 4
                    : reader.ValueTextEquals("n_distinct"u8) ? 8
                    : reader.ValueTextEquals("mcv_values"u8) ? 16
                    : reader.ValueTextEquals("mcv_freqs"u8) ? 32
                    : reader.ValueTextEquals("histogram"u8) ? 64
                    : reader.ValueTextEquals("correlation"u8) ? 128
                    : 0;
                if ((seen & field) != 0) return null; // a repeated field: the document decides which counts
                seen |= field;
                if (!reader.Read()) return null;
                if (field == 0)
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType == JsonTokenType.Null)
                {
                    if (field == 1) return null; // attnum is required
                    continue;
                }
                switch (field)
                {
                    case 1 or 4:
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int i)) return null;
                        if (field == 1) attnum = i;
                        else avgWidth = i;
                        break;
                    case 2 or 8 or 128:
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out double d)) return null;
                        if (field == 2) nullFrac = d;
                        else if (field == 8) nDistinct = d;
                        else correlation = d;
                        break;
                    case 16 or 64:
                        if (ReadTexts(json, ref reader) is not { } texts) return null;
                        if (field == 16) mcvValues = texts;
                        else histogram = texts;
                        break;
                    default:
                        if (ReadDoubles(ref reader) is not { } doubles) return null;
                        mcvFreqs = doubles;
                        break;
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || attnum is not { } att) return null;
            return new ColumnStatistics(att, nullFrac ?? 0, avgWidth ?? 0, nDistinct ?? 0, mcvValues, mcvFreqs, histogram, correlation);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// An array of strings and numbers (a number as its JSON text, as <see cref="QueryTreeNode.Text"/>),
    /// checked here and turned into strings only when first read (<see cref="LazyTexts"/>): a join
    /// key needs only n_distinct and null_frac, while its MCVs and histogram bounds are most of the
    /// entry. An array with an escaped string is decoded now.
    /// </summary>
    private static IReadOnlyList<string>? ReadTexts(byte[] json, ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray) return null;
        int start = checked((int)reader.TokenStartIndex);
        int count = 0;
        bool escaped = false;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.EndArray:
                    int end = checked((int)reader.TokenStartIndex) + 1;
                    var texts = new LazyTexts(json, start, end, count);
                    if (escaped) texts.Materialize();
                    return texts;
                case JsonTokenType.String:
                    escaped |= reader.ValueIsEscaped;
                    count++;
                    break;
                case JsonTokenType.Number:
                    count++;
                    break;
                default:
                    return null;
            }
        }
        return null;
    }

    /// <summary>
    /// The texts of a checked array of strings and numbers (<see cref="ReadTexts"/>), decoded on the
    /// first read of an item. The entry is valid UTF-8 and its syntax was read once, so decoding
    /// cannot fail.
    /// </summary>
    private sealed class LazyTexts(byte[] json, int start, int end, int count) : IReadOnlyList<string>
    {
        private string[]? _texts;

        public int Count => count;

        public string this[int index] => Materialize()[index];

        public string[] Materialize()
        {
            if (_texts is { } done) return done;
            var texts = new string[count];
            var reader = new Utf8JsonReader(json.AsSpan(start, end - start));
            reader.Read(); // [
            for (int i = 0; i < count; i++)
            {
                reader.Read();
                texts[i] = reader.TokenType == JsonTokenType.String ? reader.GetString()! : System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
            }
            _texts = texts;
            return texts;
        }

        public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)Materialize()).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private static List<double>? ReadDoubles(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray) return null;
        var values = new List<double>();
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndArray) return values;
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out double d)) return null;
            values.Add(d);
        }
        return null;
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
