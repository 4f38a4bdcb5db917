using System.Text.Json;
using PgFusion.Types;

namespace PgFusion.Planner.Json;

/// <summary>Parses and checks the envelope; the query tree itself is read later by the binder.</summary>
public static class QueryEnvelopeReader
{
    public static QueryEnvelope Read(ReadOnlySpan<byte> json)
    {
        // The path-tracking syntax check costs a string per token, so it runs only where it can
        // report something: JSON the parser rejects, and input that is not all valid UTF-8 (the
        // checker reads every property name).
        bool syntaxChecked = false;
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            JsonSyntaxChecker.Check(json);
            syntaxChecked = true;
        }
        Dictionary<int, List<StatisticsExtractor.Entry>> extracted = [];
        var spans = StatisticsScanner.TopLevelSpans.None;
        IReadOnlyDictionary<uint, RelationInfo>? cachedRelations = null;
        QueryCatalog? cachedCatalog = null;
        var document = syntaxChecked ? null : ReadWithSectionsFromEnd(json, out cachedRelations, out cachedCatalog);
        try
        {
            if (document is null)
            {
                // relations (and catalog) read before from the same bytes are taken from the shared store
                var compact = syntaxChecked ? null : StatisticsScanner.CompactCached(json, out cachedRelations, out cachedCatalog, out spans);
                if (compact is null)
                {
                    cachedRelations = null;
                    cachedCatalog = null;
                    compact = StatisticsExtractor.Extract(json, out extracted, out spans);
                }
                var text = compact ?? json.ToArray();
                document = QueryJsonTree.TryParse(text) ?? throw Malformed(json, text, syntaxChecked);
            }
        }
        catch (JsonException e)
        {
            if (!syntaxChecked) JsonSyntaxChecker.Check(json); // throws, naming the path where the input breaks
            throw new QueryJsonException("$", "malformed JSON: " + e.Message, e);
        }
        try
        {
            var root = new QueryTreeNode(document.Root, "$");
            if (document.Root.ValueKind != JsonValueKind.Object) throw root.Error("expected the envelope object");
            var version = root.Field("version");
            if (version.Element.ValueKind != JsonValueKind.Number || !version.Element.TryGetInt32(out int v) || v != QueryEnvelope.SupportedVersion)
                throw version.Error($"unsupported Query JSON version {version.Element.GetRawText()} (this planner reads version {QueryEnvelope.SupportedVersion})");
            int serverVersion = root.Optional("server_version_num")?.Int32() ?? 0;
            int? pairBudget = root.Optional("settings")?.Optional("join_pair_budget")?.Int32();
            if (pairBudget < 1) throw root.Field("settings").Field("join_pair_budget").Error($"join_pair_budget {pairBudget} is not positive");
            double? hashMemKb = root.Optional("settings")?.Optional("hash_mem_kb")?.Double();
            if (hashMemKb < 64) throw root.Field("settings").Field("hash_mem_kb").Error($"hash_mem_kb {hashMemKb} is below PostgreSQL's minimum work_mem (64 kB)");
            var output = ReadOutputSettings(root.Optional("settings"));
            var locale = ReadDatabaseLocale(root.Optional("settings"));
            var query = root.Field("query");
            if (query.RequireKind() != "QUERY") throw query.Error($"expected node QUERY, found {query.Kind}");
            var relations = cachedRelations ?? ReadRelations(root, extracted);
            var catalog = cachedCatalog ?? (root.Optional("catalog") is { } c ? ReadCatalog(c) : QueryCatalog.Empty);
            // every section read from the envelope without error, kept by its exact bytes for the next query
            if (cachedRelations is null && spans.RelationsStart >= 0 && spans.RelationsEnd > spans.RelationsStart)
                EnvelopeSectionCache.Relations.Store(json[spans.RelationsStart..spans.RelationsEnd], relations);
            if (cachedCatalog is null && spans.CatalogStart >= 0 && spans.CatalogEnd > spans.CatalogStart && root.Optional("catalog") is not null)
                EnvelopeSectionCache.Catalogs.Store(json[spans.CatalogStart..spans.CatalogEnd], catalog);
            var disabled = root.Optional("settings")?.Optional("disabled_rules")?.String() ?? "";
            return new QueryEnvelope(document, serverVersion, query, relations, catalog, pairBudget, output, locale)
            {
                DisabledRules = disabled.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                HashMemKb = hashMemKb,
            };
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    private static OutputSettings ReadOutputSettings(QueryTreeNode? sent)
    {
        if (sent is not { } settings) return OutputSettings.Unknown;
        string? Text(string name) => settings.Optional(name) is { } n ? n.String() : null;
        int? digits = settings.Optional("extra_float_digits")?.Int32();
        if (digits is < -15 or > 3)
            throw settings.Field("extra_float_digits").Error($"extra_float_digits {digits} is outside -15..3");
        return new OutputSettings(Text("DateStyle"), Text("IntervalStyle"), Text("bytea_output"), digits, Text("TimeZone"));
    }

    private static DatabaseLocale ReadDatabaseLocale(QueryTreeNode? sent)
    {
        if (sent is not { } settings) return DatabaseLocale.Unknown;
        string? Text(string name) => settings.Optional(name) is { } n ? n.String() : null;
        return new DatabaseLocale(Text("server_encoding"), Text("lc_collate"), Text("lc_ctype"), Text("locale_provider"));
    }

    /// <summary>
    /// The tree of the envelope with its relations and catalog found in the shared store from its end
    /// (<see cref="StatisticsScanner.CompactCachedFromEnd"/>), or null (then it is read from the start):
    /// kept only when the rest is valid JSON whose object has exactly one "relations" and one
    /// "catalog" member, which proves the cut ones were the envelope's own.
    /// </summary>
    private static QueryJsonTree? ReadWithSectionsFromEnd(ReadOnlySpan<byte> json, out IReadOnlyDictionary<uint, RelationInfo>? relations, out QueryCatalog? catalog)
    {
        if (StatisticsScanner.CompactCachedFromEnd(json, out relations, out catalog) is not { } compact
            || QueryJsonTree.TryParse(compact) is not { } tree)
        {
            relations = null;
            catalog = null;
            return null;
        }
        int relationsMembers = 0, catalogMembers = 0;
        if (tree.Root.ValueKind == JsonValueKind.Object)
        {
            foreach (var member in tree.Root.EnumerateObject())
            {
                if (member.NameEquals("relations")) relationsMembers++;
                else if (member.NameEquals("catalog")) catalogMembers++;
            }
        }
        if (relationsMembers == 1 && catalogMembers == 1) return tree;
        tree.Dispose();
        relations = null;
        catalog = null;
        return null;
    }

    /// <summary>
    /// The error for text the tree parser rejected: the path-tracking checker's (naming where the
    /// input breaks), else JsonDocument's message, as before the tree parser. Should both accept the
    /// text (a gap in the tree parser), still a QueryJsonException rather than a crash.
    /// </summary>
    private static QueryJsonException Malformed(ReadOnlySpan<byte> json, byte[] text, bool syntaxChecked)
    {
        if (!syntaxChecked) JsonSyntaxChecker.Check(json);
        try
        {
            using var _ = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = QueryJsonTree.MaxDepth });
        }
        catch (JsonException e)
        {
            return new QueryJsonException("$", "malformed JSON: " + e.Message, e);
        }
        return new QueryJsonException("$", "malformed JSON: the query tree parser rejected it");
    }

    private static Dictionary<uint, RelationInfo> ReadRelations(QueryTreeNode root, Dictionary<int, List<StatisticsExtractor.Entry>> extracted)
    {
        var relations = new Dictionary<uint, RelationInfo>();
        var relationList = root.List("relations");
        for (int i = 0; i < relationList.Count; i++)
        {
            var r = relationList[i];
            var rel = ReadRelation(r, extracted.GetValueOrDefault(i));
            if (!relations.TryAdd(rel.RelId, rel)) throw r.Error($"relation {rel.RelId} listed twice");
        }
        return relations;
    }

    private static RelationInfo ReadRelation(QueryTreeNode r, List<StatisticsExtractor.Entry>? extractedStatistics)
    {
        uint relid = r.UInt32("relid");
        string name = r.String("name");
        var attributes = new List<AttributeLayout>();
        foreach (var a in r.List("attributes"))
        {
            int attnum = a.Int32("attnum");
            if (attnum != attributes.Count + 1) throw a.Field("attnum").Error($"expected attnum {attributes.Count + 1} (attributes 1..relnatts in order)");
            short len = checked((short)a.Int32("len"));
            var missing = a.Optional("missing") is { } m ? HexBytes.Parse(m.String(), m.Path) : null;
            attributes.Add(new AttributeLayout(
                attnum,
                a.String("name"),
                new PgType(a.UInt32("typid"), a.Int32("typmod")),
                len,
                a.Bool("byval"),
                a.Field("align").Char() is var al && al is 'c' or 's' or 'i' or 'd' ? al : throw a.Field("align").Error($"attalign '{al}' is not c, s, i or d"),
                a.Bool("notnull"),
                a.Bool("dropped"),
                a.Optional("hasmissing")?.Bool() ?? false,
                missing));
        }
        var stats = new DeferredStatistics();
        if (extractedStatistics is not null)
        {
            foreach (var e in extractedStatistics) stats.Add(e.AttNum, e.Text, e.Path());
        }
        else
        {
            foreach (var st in r.Optional("stats")?.Items() ?? [])
                stats.Add(st.Int32("attnum"), st);
        }
        var layout = new RelationLayout(relid, name, attributes, r.Optional("relpages")?.Int64() ?? 0, r.Optional("reltuples")?.Double() ?? -1);
        return new RelationInfo(
            layout,
            r.Optional("namespace")?.String() ?? "",
            r.Optional("relkind")?.Char() ?? 'r',
            r.Optional("hassubclass")?.Bool(),
            stats)
        {
            RelAllVisible = Math.Max(0, r.Optional("relallvisible")?.Int64() ?? 0),
            EstimatedTuples = r.Optional("est_tuples")?.Double() is { } estimated ? Math.Max(0, estimated) : null,
            EstimatedPages = r.Optional("est_pages")?.Int64() is { } pages ? Math.Max(0, pages) : null,
            Indexes = [.. (r.Optional("indexes")?.Items() ?? [])
                .Where(i => (i.Optional("am")?.String() ?? "btree") == "btree")
                .Select(i => new RelationIndex(i.UInt32("oid"), i.String("name"), i.Optional("unique")?.Bool() ?? false, [.. i.List("keys").Select(k => k.Int32())])
                {
                    Primary = i.Optional("primary")?.Bool() ?? false,
                    Immediate = i.Optional("immediate")?.Bool() ?? false,
                })],
        };
    }

    private static QueryCatalog ReadCatalog(QueryTreeNode c)
    {
        var functions = (c.Optional("functions")?.Items() ?? [])
            .Select(f => new CatalogFunction(f.UInt32("oid"), f.String("name"), f.Optional("rettype")?.UInt32() ?? 0, f.Optional("cost")?.Double() ?? 1));
        var operators = (c.Optional("operators")?.Items() ?? [])
            .Select(o => new CatalogOperator(o.UInt32("oid"), o.String("name"), o.Optional("left")?.UInt32() ?? 0, o.Optional("right")?.UInt32() ?? 0, o.Optional("result")?.UInt32() ?? 0, o.Optional("funcid")?.UInt32() ?? 0, o.Optional("negator")?.UInt32() ?? 0));
        var types = (c.Optional("types")?.Items() ?? [])
            .Select(t => new CatalogType(t.UInt32("oid"), t.String("name"), checked((short)(t.Optional("len")?.Int32() ?? -1)), t.Optional("byval")?.Bool() ?? false, t.Optional("align")?.Char() ?? 'i'));
        return new QueryCatalog(functions.ToList(), operators.ToList(), types.ToList());
    }
}
