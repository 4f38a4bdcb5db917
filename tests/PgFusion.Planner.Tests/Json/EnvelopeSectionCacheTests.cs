using System.Text;
using PgFusion.Planner.Json;
using PgFusion.TestSupport.Slt;
using Xunit;

namespace PgFusion.Planner.Tests.Json;

/// <summary>
/// Relations and catalog read from an envelope are shared with later envelopes that carry the
/// same bytes (<see cref="EnvelopeSectionCache"/>): the plan from a shared section equals the plan
/// from a fresh read, changed bytes are read anew, and errors (a malformed statistics entry, a
/// syntax error elsewhere in the envelope) are raised as without the cache.
/// </summary>
public sealed class EnvelopeSectionCacheTests
{
    public static TheoryData<string> Queries => [.. Enumerable.Range(1, 22).Select(q => $"q{q:D2}")];

    private static byte[] Load(string query) =>
        File.ReadAllBytes(Path.Combine(SltCorpus.RepositoryRoot(), "perf", "tpch-json", query + ".json"));

    /// <summary>The same envelope with one more space after "relations": [ (another key for the cache, the same content).</summary>
    private static byte[] Respaced(byte[] json)
    {
        string text = Encoding.UTF8.GetString(json);
        int at = text.IndexOf("\"relations\":", StringComparison.Ordinal);
        Assert.True(at > 0);
        int open = text.IndexOf('[', at);
        return Encoding.UTF8.GetBytes(text[..(open + 1)] + " " + text[(open + 1)..]);
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public void A_plan_from_shared_sections_equals_the_plan_from_a_fresh_read(string query)
    {
        byte[] json = Load(query);
        _ = QueryPlanner.Plan(json); // stores the sections (or finds them)
        using (var first = QueryEnvelopeReader.Read(json))
        using (var second = QueryEnvelopeReader.Read(json))
        {
            Assert.Same(first.Relations, second.Relations);
            Assert.Same(first.Catalog, second.Catalog);
        }
        var shared = QueryPlanner.Plan(json);
        // a fresh read: bytes no envelope had before (a space more, then the plan is compared)
        byte[] fresh = Respaced(Respaced(json));
        using (var a = QueryEnvelopeReader.Read(json))
        using (var b = QueryEnvelopeReader.Read(fresh))
            Assert.NotSame(a.Relations, b.Relations);
        var planned = QueryPlanner.Plan(fresh);
        Assert.Equal(planned.UnsupportedReason, shared.UnsupportedReason);
        Assert.Equal(planned.Plan?.Explain, shared.Plan?.Explain);
    }

    private static string Envelope(string query, string relationName, string stats) =>
        "{\"version\": 1, \"query\": " + query + ", \"relations\": [{\"relid\": 7, \"name\": \"" + relationName
        + "\", \"attributes\": [], \"stats\": " + stats + "}], \"catalog\": {\"functions\": [], \"operators\": [], \"types\": [{\"oid\": 23, \"name\": \"integer\"}]}}";

    [Fact]
    public void A_shared_relation_with_a_malformed_entry_raises_its_path_on_every_read()
    {
        string stats = "[{\"attnum\": 1, \"null_frac\": 0.25}, {\"attnum\": 2, \"mcv_freqs\": [0.75 0.25]}]";
        byte[] json = Encoding.UTF8.GetBytes(Envelope("{\"node\": \"QUERY\"}", "a_relation_with_a_rather_long_name_for_the_cache", stats));
        for (int read = 0; read < 3; read++)
        {
            using var envelope = QueryEnvelopeReader.Read(json);
            var relation = envelope.Relations[7];
            Assert.Equal(0.25, relation.StatisticsOf(1)!.NullFrac);
            var error = Assert.Throws<QueryJsonException>(() => relation.StatisticsOf(2));
            Assert.Contains("$.relations[0].stats[1]", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Changed_bytes_are_read_anew()
    {
        string name = "another_relation_with_a_rather_long_name_for_the_cache";
        byte[] json = Encoding.UTF8.GetBytes(Envelope("{\"node\": \"QUERY\"}", name, "[{\"attnum\": 1, \"null_frac\": 0.5}]"));
        byte[] changed = Encoding.UTF8.GetBytes(Envelope("{\"node\": \"QUERY\"}", name, "[{\"attnum\": 1, \"null_frac\": 0.125}]"));
        for (int read = 0; read < 2; read++)
        {
            using var a = QueryEnvelopeReader.Read(json);
            using var b = QueryEnvelopeReader.Read(changed);
            Assert.Equal(0.5, a.Relations[7].StatisticsOf(1)!.NullFrac);
            Assert.Equal(0.125, b.Relations[7].StatisticsOf(1)!.NullFrac);
            Assert.Equal("integer", a.Catalog.TypeName(23));
        }
    }

    [Theory]
    [InlineData("{\"node\": \"QUERY\", \"x\": [1 2]}")] // syntax error before the shared relations
    [InlineData("{\"node\": \"QUERY\"")] // unbalanced: the relations key becomes part of the query object
    [InlineData("{\"node\": \"SELECT\"}")] // not a QUERY node
    public void Errors_elsewhere_in_the_envelope_are_raised_as_without_shared_sections(string query)
    {
        string name = "a_third_relation_with_a_rather_long_name_for_the_cache";
        string stats = "[{\"attnum\": 1, \"null_frac\": 0.5}]";
        string Message(string relationName)
        {
            var e = Assert.ThrowsAny<Exception>(() => QueryEnvelopeReader.Read(Encoding.UTF8.GetBytes(Envelope(query, relationName, stats))).Dispose());
            return e.GetType().Name + ": " + e.Message.Replace(relationName, "NAME", StringComparison.Ordinal);
        }
        using (QueryEnvelopeReader.Read(Encoding.UTF8.GetBytes(Envelope("{\"node\": \"QUERY\"}", name, stats)))) { } // the relations are shared now
        string fresh = Message(name[..^1] + "X"); // same length, bytes never read before
        Assert.Equal(fresh, Message(name));
        Assert.Equal(fresh, Message(name));
    }

    /// <summary>As <see cref="Envelope"/>, written as the hook writes it (no spaces): the sections are found from the end.</summary>
    private static string CompactEnvelope(string query, string relationName, string stats, string before = "") =>
        "{\"version\":1," + before + "\"query\":" + query + ",\"relations\":[{\"relid\":7,\"name\":\"" + relationName
        + "\",\"attributes\":[],\"stats\":" + stats + "}],\"catalog\":{\"functions\":[],\"operators\":[],\"types\":[{\"oid\":23,\"name\":\"integer\"}]}}";

    [Theory]
    [InlineData("{\"node\":\"QUERY\",\"x\":[1 2]}", "")] // syntax error before the shared sections
    [InlineData("{\"node\":\"QUERY\"", "")] // unbalanced: the sections' keys become part of the query object
    [InlineData("{\"node\":\"QUERY\",\"s\":\"", "")] // the text before the sections ends inside a string
    [InlineData("{\"node\":\"SELECT\"}", "")] // not a QUERY node
    [InlineData("{\"node\":\"QUERY\"}", "\"relations\":[],")] // a second "relations" member before the query
    [InlineData("{\"node\":\"QUERY\"}", "\"catalog\":{},")] // a second "catalog" member
    public void Sections_found_from_the_end_read_as_without_shared_sections(string query, string before)
    {
        string name = "a_fourth_relation_with_a_rather_long_name_for_the_cache";
        string stats = "[{\"attnum\":1,\"null_frac\":0.5}]";
        string Outcome(string relationName)
        {
            try
            {
                using var envelope = QueryEnvelopeReader.Read(Encoding.UTF8.GetBytes(CompactEnvelope(query, relationName, stats, before)));
                return "read: relations " + string.Join(",", envelope.Relations.Keys) + ", null_frac " + envelope.Relations[7].StatisticsOf(1)!.NullFrac
                    + ", type 23 " + envelope.Catalog.TypeName(23) + ", query " + envelope.Query.Kind;
            }
            catch (Exception e)
            {
                return e.GetType().Name + ": " + e.Message.Replace(relationName, "NAME", StringComparison.Ordinal);
            }
        }
        using (QueryEnvelopeReader.Read(Encoding.UTF8.GetBytes(CompactEnvelope("{\"node\":\"QUERY\"}", name, stats)))) { } // the sections are shared now
        string fresh = Outcome(name[..^1] + "X"); // same length, bytes never read before
        Assert.Equal(fresh, Outcome(name));
        Assert.Equal(fresh, Outcome(name));
    }
}
