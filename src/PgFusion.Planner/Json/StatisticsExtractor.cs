using System.Text.Json;

namespace PgFusion.Planner.Json;

/// <summary>
/// One forward pass with <see cref="Utf8JsonReader"/> over the envelope that cuts every relation's
/// "stats" array out of the text before the rest is parsed into a JsonDocument: statistics are
/// most of the envelope (MCVs and histogram bounds of every column), and building the document's
/// index over them cost more than binding the query. Each entry is kept as its own JSON text with
/// its attnum, for <see cref="DeferredStatistics"/> to decode on first use. The pass reads every
/// token, so syntax errors still surface (as JsonException, which the reader turns into a path).
/// A "stats" array of an unexpected shape (an entry that is not an object, no integer attnum) is
/// left in place for the document path to report as before.
/// </summary>
internal static class StatisticsExtractor
{
    /// <summary>One "stats" entry: its attnum, its JSON text, and where it was ($.relations[Relation].stats[Index]).</summary>
    internal readonly record struct Entry(int AttNum, StatisticsText Text, int Relation, int Index)
    {
        public byte[] Json => Text.Json;

        public JsonPathSegment Path() =>
            new(new JsonPathSegment(new JsonPathSegment(new JsonPathSegment(null, "relations", -1), null, Relation), "stats", -1), null, Index);
    }

    /// <summary>
    /// The envelope without the extracted "stats" arrays (each replaced by <c>[]</c>), and the
    /// entries by relation index; null when nothing was extracted (use the input as it is).
    /// </summary>
    public static byte[]? Extract(ReadOnlySpan<byte> json, out Dictionary<int, List<Entry>> statistics) => Extract(json, out statistics, out _);

    /// <summary>As <see cref="Extract(ReadOnlySpan{byte}, out Dictionary{int, List{Entry}})"/>, and where the top-level "relations" and "catalog" are when the scanner followed them.</summary>
    public static byte[]? Extract(ReadOnlySpan<byte> json, out Dictionary<int, List<Entry>> statistics, out StatisticsScanner.TopLevelSpans spans)
    {
        statistics = [];
        var cuts = StatisticsScanner.Scan(json, statistics, out spans);
        if (cuts is null)
        {
            statistics = [];
            spans = StatisticsScanner.TopLevelSpans.None;
            cuts = ReadCuts(json, statistics);
        }
        // The rest of the input (whitespace, or trailing garbage JsonDocument reports) stays.
        if (cuts is not { Count: > 0 }) return null;
        int removed = 0;
        foreach (var (start, end) in cuts) removed += end - start - 2;
        var compact = new byte[json.Length - removed];
        int from = 0, to = 0;
        foreach (var (start, end) in cuts)
        {
            json[from..start].CopyTo(compact.AsSpan(to));
            to += start - from;
            compact[to++] = (byte)'[';
            compact[to++] = (byte)']';
            from = end;
        }
        json[from..].CopyTo(compact.AsSpan(to));
        return compact;
    }

    /// <summary>The cuts by a validating reader pass (when the scanner gave up), or null to leave everything to the document.</summary>
    internal static List<(int Start, int End)>? ReadCuts(ReadOnlySpan<byte> json, Dictionary<int, List<Entry>> statistics)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4096 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
        var cuts = new List<(int Start, int End)>();
        bool sawRelations = false;
        while (true)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject) break;
            bool isRelations = reader.ValueTextEquals("relations"u8);
            Next(ref reader);
            if (isRelations && !sawRelations && reader.TokenType == JsonTokenType.StartArray)
            {
                sawRelations = true;
                ReadRelations(ref reader, json, cuts, statistics);
            }
            else
            {
                if (isRelations) return null; // "relations" twice: leave it to the document
                reader.Skip();
            }
        }
        return cuts;
    }

    private static void ReadRelations(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, List<(int, int)> cuts, Dictionary<int, List<Entry>> statistics)
    {
        for (int i = 0; ; i++)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray) return;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }
            bool sawStats = false;
            while (true)
            {
                Next(ref reader);
                if (reader.TokenType == JsonTokenType.EndObject) break;
                bool isStats = reader.ValueTextEquals("stats"u8);
                Next(ref reader);
                if (isStats && reader.TokenType == JsonTokenType.StartArray)
                {
                    int start = checked((int)reader.TokenStartIndex);
                    var entries = ReadStatistics(ref reader, json, i);
                    if (entries is not null && !sawStats)
                    {
                        cuts.Add((start, checked((int)reader.BytesConsumed)));
                        statistics[i] = entries;
                    }
                    else if (sawStats && statistics.Remove(i))
                    {
                        cuts.RemoveAt(cuts.Count - 1); // "stats" twice: leave both to the document
                    }
                    sawStats = true;
                }
                else
                {
                    reader.Skip();
                }
            }
        }
    }

    private static List<Entry>? ReadStatistics(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, int relation)
    {
        var entries = new List<Entry>();
        bool usable = true;
        for (int j = 0; ; j++)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray) return usable ? entries : null;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                usable = false;
                reader.Skip();
                continue;
            }
            int start = checked((int)reader.TokenStartIndex);
            int? attnum = null;
            while (true)
            {
                Next(ref reader);
                if (reader.TokenType == JsonTokenType.EndObject) break;
                bool isAttnum = reader.ValueTextEquals("attnum"u8);
                Next(ref reader);
                if (isAttnum && attnum is null && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int a))
                {
                    attnum = a;
                }
                else
                {
                    if (isAttnum) usable = false;
                    reader.Skip();
                }
            }
            if (attnum is not { } att)
            {
                usable = false;
                continue;
            }
            if (usable)
                entries.Add(new Entry(att, StatisticsTextCache.Get(json[start..checked((int)reader.BytesConsumed)]), relation, j));
        }
    }

    private static void Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new JsonException("the document ends inside a value");
    }
}
