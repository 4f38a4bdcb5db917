using System.Text.Json;

namespace PgFusion.Planner.Json;

/// <summary>
/// The fast way to cut the "stats" arrays out of the envelope: a structural byte scan (brackets,
/// strings and their escapes) instead of <see cref="Utf8JsonReader"/>'s token-by-token validation
/// of some 100 KB of MCVs and histogram bounds, which cost as much as planning the query. What it
/// does not validate is either parsed afterwards (the rest of the envelope, by JsonDocument; an
/// entry the estimator reads, by <see cref="DeferredStatistics"/>, which reports its syntax errors
/// with its path) or never read (the statistics of unused columns). On anything unusual (an
/// escaped or repeated "relations", "stats" or "attnum", a non-object entry, unbalanced brackets,
/// the end of the input) it gives up and <see cref="StatisticsExtractor"/>'s reader pass decides,
/// with the errors it always reported.
/// </summary>
internal static class StatisticsScanner
{
    /// <summary>The cuts (start, end of each "stats" array) and entries by relation index, or null to leave it to the reader pass.</summary>
    public static List<(int Start, int End)>? Scan(ReadOnlySpan<byte> json, Dictionary<int, List<StatisticsExtractor.Entry>> statistics) =>
        Scan(json, statistics, out _);

    /// <summary>
    /// As <see cref="Scan(ReadOnlySpan{byte}, Dictionary{int, List{StatisticsExtractor.Entry}})"/>, and where the top-level
    /// "relations" and "catalog" values are (start, end; -1 when absent, repeated or not followed), for
    /// <see cref="EnvelopeSectionCache"/>.
    /// </summary>
    public static List<(int Start, int End)>? Scan(ReadOnlySpan<byte> json, Dictionary<int, List<StatisticsExtractor.Entry>> statistics, out TopLevelSpans spans)
    {
        spans = TopLevelSpans.None;
        int relationsStart = -1, relationsEnd = -1, catalogStart = -1, catalogEnd = -1;
        bool sawCatalog = false, sawRelations = false;
        var cuts = new List<(int, int)>();
        var members = new TopLevelMembers(json);
        while (members.MoveNext())
        {
            int i = members.ValueStart;
            if (members.Key.SequenceEqual("relations"u8))
            {
                if (sawRelations || i >= json.Length || json[i] != '[') return null;
                sawRelations = true;
                relationsStart = i;
                i = Relations(json, i, cuts, statistics);
                relationsEnd = i;
            }
            else if (members.Key.SequenceEqual("catalog"u8))
            {
                catalogStart = sawCatalog ? -1 : i;
                i = SkipValue(json, i);
                catalogEnd = sawCatalog ? -1 : i;
                sawCatalog = true;
            }
            else
            {
                i = SkipValue(json, i);
            }
            members.ValueEnd = i;
        }
        if (members.Failed) return null;
        spans = new TopLevelSpans(relationsStart, relationsEnd, catalogStart, catalogEnd);
        return cuts;
    }

    /// <summary>
    /// The envelope's top-level members in order, for <see cref="Scan(ReadOnlySpan{byte}, Dictionary{int, List{StatisticsExtractor.Entry}}, out TopLevelSpans)"/>
    /// and <see cref="CompactCached"/>: each member's unescaped key and where its value starts; the
    /// caller reads or skips the value and sets <see cref="ValueEnd"/> (-1 when it gave up) before
    /// the next <see cref="MoveNext"/>. <see cref="Failed"/> tells an unusual envelope (no object,
    /// an escaped key, a missing separator, the end of the input) from its closing brace.
    /// </summary>
    private ref struct TopLevelMembers(ReadOnlySpan<byte> json)
    {
        private readonly ReadOnlySpan<byte> _json = json;
        private bool _started;

        private int _keyStart;
        private int _keyLength;

        public readonly ReadOnlySpan<byte> Key => _json.Slice(_keyStart, _keyLength);

        public int ValueStart { get; private set; }

        public int ValueEnd { get; set; }

        public bool Failed { get; private set; }

        public bool MoveNext()
        {
            int i;
            if (!_started)
            {
                _started = true;
                i = Whitespace(_json, 0);
                if (i >= _json.Length || _json[i] != '{') return Fail();
                i++;
            }
            else
            {
                i = ValueEnd;
                if (i < 0 || (i = Separator(_json, i, '}')) < 0) return Fail();
                if (_json[i - 1] == '}') return false;
            }
            i = Whitespace(_json, i);
            if (i >= _json.Length) return Fail();
            if (_json[i] == '}') return false;
            if (!TryKey(_json, ref i, out _keyStart, out _keyLength)) return Fail();
            ValueStart = i;
            ValueEnd = -1;
            return true;
        }

        private bool Fail()
        {
            Failed = true;
            return false;
        }
    }

    /// <summary>Where the top-level "relations" and "catalog" values are (-1 when not known).</summary>
    internal readonly record struct TopLevelSpans(int RelationsStart, int RelationsEnd, int CatalogStart, int CatalogEnd)
    {
        public static TopLevelSpans None => new(-1, -1, -1, -1);
    }

    /// <summary>
    /// The envelope with its "relations" (and "catalog", when that is cached too) cut out, replaced by
    /// <c>[]</c> and <c>{}</c>, when <see cref="EnvelopeSectionCache"/> holds the exact bytes of its
    /// relations array: the relations come from the cache then. Null on a miss or anything unusual
    /// (a repeated or escaped key, unbalanced brackets): the caller reads the envelope as always.
    /// </summary>
    /// <param name="catalogSpan">On a hit whose catalog is not stored: where the catalog is (to store it once read).</param>
    public static byte[]? CompactCached(ReadOnlySpan<byte> json, out IReadOnlyDictionary<uint, RelationInfo>? relations, out QueryCatalog? catalog, out TopLevelSpans catalogSpan)
    {
        relations = null;
        catalog = null;
        catalogSpan = TopLevelSpans.None;
        int missStart = -1, missEnd = -1;
        int relationsStart = -1, relationsEnd = -1, catalogStart = -1, catalogEnd = -1;
        bool sawRelations = false, sawCatalog = false;
        var members = new TopLevelMembers(json);
        while (members.MoveNext())
        {
            int i = members.ValueStart;
            if (members.Key.SequenceEqual("relations"u8))
            {
                if (sawRelations || !EnvelopeSectionCache.Relations.TryMatch(json, i, out int end, out relations)) return null;
                sawRelations = true;
                relationsStart = i;
                relationsEnd = i = end;
            }
            else if (members.Key.SequenceEqual("catalog"u8))
            {
                if (sawCatalog) return null;
                sawCatalog = true;
                if (EnvelopeSectionCache.Catalogs.TryMatch(json, i, out int end, out catalog))
                {
                    catalogStart = i;
                    catalogEnd = i = end;
                }
                else
                {
                    missStart = i;
                    i = SkipValue(json, i);
                    missEnd = i;
                }
            }
            else
            {
                i = SkipValue(json, i);
            }
            members.ValueEnd = i;
        }
        if (members.Failed) return null;
        if (relations is null) return null;
        if (missStart >= 0) catalogSpan = new TopLevelSpans(-1, -1, missStart, missEnd);
        // the cuts in order, each replaced by an empty value of its kind
        Span<(int Start, int End, byte Open, byte Close)> cuts = stackalloc (int, int, byte, byte)[2];
        int count = 0;
        if (catalogStart >= 0 && catalogStart < relationsStart) cuts[count++] = (catalogStart, catalogEnd, (byte)'{', (byte)'}');
        cuts[count++] = (relationsStart, relationsEnd, (byte)'[', (byte)']');
        if (catalogStart > relationsStart) cuts[count++] = (catalogStart, catalogEnd, (byte)'{', (byte)'}');
        int removed = 0;
        foreach (var c in cuts[..count]) removed += c.End - c.Start - 2;
        var compact = new byte[json.Length - removed];
        int from = 0, to = 0;
        foreach (var c in cuts[..count])
        {
            json[from..c.Start].CopyTo(compact.AsSpan(to));
            to += c.Start - from;
            compact[to++] = c.Open;
            compact[to++] = c.Close;
            from = c.End;
        }
        json[from..].CopyTo(compact.AsSpan(to));
        if (catalogStart < 0) catalog = null;
        return compact;
    }

    /// <summary>
    /// <see cref="CompactCached"/> without reading the query before the sections: the envelope as the
    /// hook writes it ends with <c>,"relations":[...],"catalog":{...}}</c>, so when the bytes before
    /// its closing brace are a stored catalog and, before that, stored relations, both are cut off
    /// from the end (replaced by <c>[]</c> and <c>{}</c>) and the ~18 KB query before them is not
    /// scanned twice. That they are the envelope's own members is not known here: the caller parses
    /// the result and keeps it only when it is valid JSON whose object holds one "relations" and one
    /// "catalog" (text ending inside a string or a nested value cannot continue as that).
    /// Null when the end does not look like that.
    /// </summary>
    public static byte[]? CompactCachedFromEnd(ReadOnlySpan<byte> json, out IReadOnlyDictionary<uint, RelationInfo>? relations, out QueryCatalog? catalog)
    {
        relations = null;
        catalog = null;
        int close = json.Length;
        while (close > 0 && json[close - 1] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') close--;
        if (close == 0 || json[close - 1] != '}') return null;
        close--;
        ReadOnlySpan<byte> catalogKey = ",\"catalog\":"u8, relationsKey = ",\"relations\":"u8;
        if (!EnvelopeSectionCache.Catalogs.TryMatchEnding(json, close, out int catalogStart, out var foundCatalog)) return null;
        int catalogKeyStart = catalogStart - catalogKey.Length;
        if (catalogKeyStart < 0 || !json[catalogKeyStart..catalogStart].SequenceEqual(catalogKey)) return null;
        if (!EnvelopeSectionCache.Relations.TryMatchEnding(json, catalogKeyStart, out int relationsStart, out var foundRelations)) return null;
        int relationsKeyStart = relationsStart - relationsKey.Length;
        if (relationsKeyStart < 0 || !json[relationsKeyStart..relationsStart].SequenceEqual(relationsKey)) return null;
        ReadOnlySpan<byte> tail = ",\"relations\":[],\"catalog\":{}}"u8;
        var compact = new byte[relationsKeyStart + tail.Length];
        json[..relationsKeyStart].CopyTo(compact);
        tail.CopyTo(compact.AsSpan(relationsKeyStart));
        relations = foundRelations;
        catalog = foundCatalog;
        return compact;
    }

    private static int Relations(ReadOnlySpan<byte> json, int i, List<(int, int)> cuts, Dictionary<int, List<StatisticsExtractor.Entry>> statistics)
    {
        i++; // [
        for (int r = 0; ; r++)
        {
            i = Whitespace(json, i);
            if (i >= json.Length) return -1;
            if (json[i] == ']') return i + 1;
            if (json[i] != '{') return -1;
            i++;
            bool sawStats = false;
            while (true)
            {
                i = Whitespace(json, i);
                if (i >= json.Length) return -1;
                if (json[i] == '}')
                {
                    i++;
                    break;
                }
                if (!TryKey(json, ref i, out var key)) return -1;
                if (key.SequenceEqual("stats"u8))
                {
                    if (sawStats || i >= json.Length) return -1;
                    sawStats = true;
                    if (json[i] == '[')
                    {
                        int start = i;
                        if (Entries(json, ref i, r) is not { } entries) return -1;
                        cuts.Add((start, i));
                        statistics[r] = entries;
                    }
                    else
                    {
                        i = SkipValue(json, i); // null or another value: left in place, as the reader pass does
                    }
                }
                else
                {
                    i = SkipValue(json, i);
                }
                if (i < 0 || (i = Separator(json, i, '}')) < 0) return -1;
                if (json[i - 1] == '}') break;
            }
            if ((i = Separator(json, i, ']')) < 0) return -1;
            if (json[i - 1] == ']') return i;
        }
    }

    private static List<StatisticsExtractor.Entry>? Entries(ReadOnlySpan<byte> json, ref int i, int relation)
    {
        var entries = new List<StatisticsExtractor.Entry>();
        i++; // [
        for (int j = 0; ; j++)
        {
            i = Whitespace(json, i);
            if (i >= json.Length) return null;
            if (json[i] == ']')
            {
                i++;
                return entries;
            }
            if (json[i] != '{') return null;
            int start = i;
            i = SkipValue(json, i);
            if (i < 0) return null;
            var entry = json[start..i];
            if (AttNum(entry) is not { } attnum) return null;
            entries.Add(new StatisticsExtractor.Entry(attnum, StatisticsTextCache.Get(entry), relation, j));
            if ((i = Separator(json, i, ']')) < 0) return null;
            if (json[i - 1] == ']') return entries;
        }
    }

    /// <summary>The entry's one top-level integer "attnum", or null when there is none or more than one.</summary>
    private static int? AttNum(ReadOnlySpan<byte> entry)
    {
        int at = entry.IndexOf("\"attnum\""u8);
        if (at < 0 || entry[(at + 8)..].IndexOf("\"attnum\""u8) >= 0) return null;
        try
        {
            var reader = new Utf8JsonReader(entry);
            reader.Read(); // {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isAttnum = reader.ValueTextEquals("attnum"u8);
                if (!reader.Read()) return null;
                if (isAttnum) return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int a) ? a : null;
                reader.Skip();
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A property name without escapes, and <paramref name="i"/> past its colon; false otherwise.</summary>
    private static bool TryKey(ReadOnlySpan<byte> json, ref int i, out ReadOnlySpan<byte> key)
    {
        bool found = TryKey(json, ref i, out int start, out int length);
        key = found ? json.Slice(start, length) : default;
        return found;
    }

    /// <summary>As <see cref="TryKey(ReadOnlySpan{byte}, ref int, out ReadOnlySpan{byte})"/>, the name as where it is.</summary>
    private static bool TryKey(ReadOnlySpan<byte> json, ref int i, out int start, out int length)
    {
        start = length = 0;
        if (json[i] != '"') return false;
        int end = json[(i + 1)..].IndexOfAny((byte)'"', (byte)'\\');
        if (end < 0 || json[i + 1 + end] != '"') return false;
        start = i + 1;
        length = end;
        i = Whitespace(json, i + end + 2);
        if (i >= json.Length || json[i] != ':') return false;
        i = Whitespace(json, i + 1);
        return true;
    }

    /// <summary>Past a ',' (then returns the next position) or the closing bracket; -1 on anything else.</summary>
    private static int Separator(ReadOnlySpan<byte> json, int i, char close)
    {
        i = Whitespace(json, i);
        if (i >= json.Length) return -1;
        return json[i] == ',' || json[i] == close ? i + 1 : -1;
    }

    /// <summary>Past one value starting at <paramref name="i"/> (brackets balanced, strings skipped whole), or -1.</summary>
    private static int SkipValue(ReadOnlySpan<byte> json, int i)
    {
        if (i >= json.Length) return -1;
        byte first = json[i];
        if (first == '"') return SkipString(json, i);
        if (first is not ((byte)'[' or (byte)'{'))
        {
            int end = json[i..].IndexOfAny(",}] \t\r\n"u8);
            return end <= 0 ? -1 : i + end;
        }
        // byte by byte: the gaps between strings and brackets are a few bytes, shorter than a vector search pays for
        int depth = 0;
        while (i < json.Length)
        {
            switch (json[i])
            {
                case (byte)'"':
                    i = SkipString(json, i);
                    if (i < 0) return -1;
                    continue;
                case (byte)'[' or (byte)'{':
                    depth++;
                    break;
                case (byte)']' or (byte)'}':
                    if (--depth == 0) return i + 1;
                    break;
            }
            i++;
        }
        return -1;
    }

    private static int SkipString(ReadOnlySpan<byte> json, int i)
    {
        i++;
        // most strings (names, kinds, short values) end within a few bytes
        for (int end = Math.Min(json.Length, i + 24); i < end; i++)
        {
            byte b = json[i];
            if (b == '"') return i + 1;
            if (b == '\\')
            {
                i += 2; // the escaped character
                if (i > json.Length) return -1;
                break;
            }
        }
        while (true)
        {
            int next = json[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (next < 0) return -1;
            i += next;
            if (json[i] == '"') return i + 1;
            i += 2; // the escaped character
            if (i > json.Length) return -1;
        }
    }

    private static int Whitespace(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length && json[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        return i;
    }
}
