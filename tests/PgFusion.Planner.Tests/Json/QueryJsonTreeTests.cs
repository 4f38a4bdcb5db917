using System.Text;
using System.Text.Json;
using PgFusion.Planner.Json;
using PgFusion.TestSupport.Slt;
using Xunit;

namespace PgFusion.Planner.Tests.Json;

/// <summary>
/// <see cref="QueryJsonTree"/> (the binder's parse of the query tree) reads what JsonDocument reads:
/// it accepts exactly the texts Utf8JsonReader accepts (on the ones it refuses, the envelope
/// reader's errors are the reader's, tested in the malformed-JSON tests), and every value it
/// yields (kinds, strings with escapes, numbers, property lookups with duplicate names, array
/// lengths) equals JsonDocument's, for hand-written cases and for the 22 TPC-H envelopes.
/// </summary>
public sealed class QueryJsonTreeTests
{
    public static TheoryData<string> Valid =>
    [
        "{}", "[]", "0", "-0", "1.5", "-12.25e+3", "1E-2", "\"\"", "true", "false", "null",
        " { \"a\" : [ 1 , 2 , { \"b\" : null } ] , \"c\" : \"x\" } ",
        "{\"a\":1,\"a\":2}",
        "{\"n\\u0061me\":\"v\\\"al\\\\ue\\n\",\"name\":3}",
        "[\"\\ud83d\\ude00\",\"\\/\",\"\\b\\f\\r\\t\"]",
        "{\"node\":\"QUERY\",\"list\":[[],[[]],{}],\"x\":-1234567890123}",
        "\t\r\n[1]\n",
        "{\"node\":\"A\",\"x\":{\"node\":\"C\"},\"node\":\"B\"}", // the node kind found while parsing: the last one
        "{\"n\\u006fde\":\"A\",\"node\":\"B\"}", // an escaped name: looked up as any other
        "{\"node\":\"B\",\"n\\u006fde\":\"A\"}",
        "{\"nodes\":1,\"nod\":2}",
    ];

    public static TheoryData<string> Invalid =>
    [
        "", " ", "{", "[", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[01]", "[-]", "[1.]", "[.5]", "[1e]", "[+1]",
        "[tru]", "[nul]", "[truex]", "[1 2]", "{} {}", "[\"a\tb\"]", "[\"\\x\"]", "[\"\\u12G4\"]", "[\"abc]",
        "{\"a\":1]", "[1}", "[NaN]", "['a']", "\"\\u00\"",
    ];

    [Theory]
    [MemberData(nameof(Valid))]
    public void Valid_JSON_reads_as_JsonDocument_reads_it(string text)
    {
        byte[] json = Encoding.UTF8.GetBytes(text);
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = QueryJsonTree.MaxDepth });
        using var tree = QueryJsonTree.TryParse(json);
        Assert.NotNull(tree);
        AssertSame(document.RootElement, tree.Root);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_JSON_is_refused_as_the_reader_refuses_it(string text)
    {
        byte[] json = Encoding.UTF8.GetBytes(text);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(json).Dispose());
        Assert.Null(QueryJsonTree.TryParse(json));
    }

    [Fact]
    public void Nesting_beyond_the_maximum_depth_is_refused_as_JsonDocument_refuses_it()
    {
        static byte[] Nested(int depth) => Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));
        using (var ok = QueryJsonTree.TryParse(Nested(QueryJsonTree.MaxDepth))) Assert.NotNull(ok);
        JsonDocument.Parse(Nested(QueryJsonTree.MaxDepth), new JsonDocumentOptions { MaxDepth = QueryJsonTree.MaxDepth }).Dispose();
        Assert.Null(QueryJsonTree.TryParse(Nested(QueryJsonTree.MaxDepth + 1)));
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(Nested(QueryJsonTree.MaxDepth + 1), new JsonDocumentOptions { MaxDepth = QueryJsonTree.MaxDepth }).Dispose());
    }

    [Fact]
    public void The_last_of_duplicate_property_names_wins_and_escaped_names_are_found()
    {
        using var tree = QueryJsonTree.TryParse("{\"a\":1,\"b\":2,\"a\":3,\"\\u0063\":4}"u8.ToArray())!;
        Assert.True(tree.Root.TryGetProperty("a", out var a));
        Assert.Equal(3, a.GetInt32());
        Assert.True(tree.Root.TryGetProperty("c"u8, out var c));
        Assert.Equal(4, c.GetInt32());
        Assert.False(tree.Root.TryGetProperty("d", out _));
        Assert.Throws<InvalidOperationException>(() => a.GetString());
        Assert.Throws<InvalidOperationException>(() => a.TryGetProperty("x", out _));
    }

    [Theory]
    [MemberData(nameof(EnvelopeSectionCacheTests.Queries), MemberType = typeof(EnvelopeSectionCacheTests))]
    public void Every_TPC_H_envelope_reads_as_JsonDocument_reads_it(string query)
    {
        byte[] json = File.ReadAllBytes(Path.Combine(SltCorpus.RepositoryRoot(), "perf", "tpch-json", query + ".json"));
        using var document = JsonDocument.Parse(json);
        using var tree = QueryJsonTree.TryParse(json);
        Assert.NotNull(tree);
        AssertSame(document.RootElement, tree.Root);
    }

    private static void AssertSame(JsonElement expected, QueryJsonValue actual)
    {
        Assert.Equal(expected.ValueKind, actual.ValueKind);
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var names = expected.EnumerateObject().Select(p => p.Name).ToList();
                Assert.Equal(names, actual.EnumerateObject().Select(p => p.Name).ToList());
                foreach (var name in names.Distinct())
                {
                    Assert.True(expected.TryGetProperty(name, out var e));
                    Assert.True(actual.TryGetProperty(name, out var a));
                    AssertSame(e, a);
                }
                break;
            case JsonValueKind.Array:
                Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
                foreach (var (e, a) in expected.EnumerateArray().Zip(actual.EnumerateArray()))
                    AssertSame(e, a);
                break;
            case JsonValueKind.String:
                Assert.Equal(expected.GetString(), actual.GetString());
                Assert.True(actual.ValueEquals(expected.GetString()!));
                break;
            case JsonValueKind.Number:
                Assert.Equal(expected.GetRawText(), actual.GetRawText());
                Assert.Equal(expected.TryGetInt64(out long l), actual.TryGetInt64(out long m));
                Assert.Equal(l, m);
                Assert.Equal(expected.TryGetInt32(out int i), actual.TryGetInt32(out int j));
                Assert.Equal(i, j);
                Assert.Equal(expected.GetDouble(), actual.GetDouble());
                break;
        }
    }
}
