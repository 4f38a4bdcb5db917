using System.Text;
using PgFusion.Planner.Json;
using PgFusion.Planner.Tests.Fixtures;
using Xunit;

namespace PgFusion.Planner.Tests.Json;

/// <summary>
/// Issue 4's bad-input contract, through the planner's entry point (<see cref="QueryPlanner.Plan(ReadOnlySpan{byte})"/>,
/// what the worker calls): malformed or truncated JSON, unknown node kinds and a wrong version are a
/// <see cref="QueryJsonException"/> whose <see cref="QueryJsonException.JsonPath"/> names the place,
/// never another exception. A node kind PostgreSQL may send but the binder does not know, in an
/// expression, is a valid query the planner cannot run: Unsupported naming the kind (PostgreSQL runs it).
/// </summary>
public sealed class BadInputTests
{
    private static string Text(string fixture) => Encoding.UTF8.GetString(Fixture.Json(fixture));

    private static QueryJsonException Refused(string json) =>
        Assert.Throws<QueryJsonException>(() => QueryPlanner.Plan(Encoding.UTF8.GetBytes(json)));

    /// <summary>Replaces the one occurrence of <paramref name="old"/> (it must occur exactly once, so the test edits what it means to).</summary>
    private static string ReplaceOnce(string text, string old, string replacement)
    {
        int at = text.IndexOf(old, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{old}' not in the fixture");
        Assert.True(text.IndexOf(old, at + 1, StringComparison.Ordinal) < 0, $"'{old}' occurs more than once");
        return text[..at] + replacement + text[(at + old.Length)..];
    }

    [Theory]
    [InlineData("\"version\": 2,")]
    [InlineData("\"version\": 0,")]
    [InlineData("\"version\": \"1\",")]
    [InlineData("\"version\": 1.5,")]
    [InlineData("\"version\": null,")]
    public void A_wrong_version_is_a_typed_error_at_the_version(string version)
    {
        var e = Refused(ReplaceOnce(Text("join_inner"), "\"version\": 1,", version));
        Assert.Equal("$.version", e.JsonPath);
        Assert.Contains("unsupported Query JSON version", e.Message, StringComparison.Ordinal);
        Assert.Equal("XX000", e.SqlState);
    }

    [Fact]
    public void A_missing_version_is_a_typed_error_naming_it()
    {
        var e = Refused(ReplaceOnce(Text("join_inner"), "\"version\": 1,", ""));
        Assert.Equal("$", e.JsonPath);
        Assert.Contains("\"version\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_envelope_that_is_not_an_object_is_refused_at_the_root()
    {
        Assert.Equal("$", Refused("[1, 2]").JsonPath);
        Assert.Equal("$", Refused("\"QUERY\"").JsonPath);
        Assert.Equal("$", Refused("").JsonPath);
    }

    /// <summary>
    /// A truncated document names the innermost value it ends in: cut inside the first target
    /// entry, the path is that entry (or a value inside it), under $.query.targetList[0].
    /// </summary>
    [Fact]
    public void Truncated_JSON_names_the_value_it_ends_in()
    {
        string text = Text("join_inner");
        int entry = text.IndexOf("\"targetList\"", StringComparison.Ordinal);
        int cut = text.IndexOf("\"resname\"", entry, StringComparison.Ordinal);
        var e = Refused(text[..cut]);
        Assert.StartsWith("$.query.targetList[0]", e.JsonPath, StringComparison.Ordinal);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Every cut of a captured envelope (every 97th byte, and the last ten) is refused with a path, never planned or crashed on.</summary>
    [Theory]
    [InlineData("join_inner")]
    [InlineData("semi_exists_correlated")]
    [InlineData("rollup_grouping")]
    public void Every_truncation_is_a_typed_error_with_a_path(string fixture)
    {
        byte[] json = Fixture.Json(fixture);
        var cuts = Enumerable.Range(0, json.Length / 97).Select(i => i * 97)
            .Concat(Enumerable.Range(json.Length - 10, 10))
            .Where(n => n > 0 && !IsCompleteUpToWhitespace(json, n));
        foreach (int n in cuts)
        {
            var e = Assert.Throws<QueryJsonException>(() => QueryPlanner.Plan(json.AsSpan(0, n)));
            Assert.StartsWith("$", e.JsonPath, StringComparison.Ordinal);
        }
    }

    private static bool IsCompleteUpToWhitespace(byte[] json, int n) => json.AsSpan(n).Trim("\r\n\t "u8).Length == 0;

    [Fact]
    public void A_syntax_error_inside_the_query_names_its_path()
    {
        // "varattno": 1, ... becomes "varattno": 1 1, in the first VAR of the first target entry
        string text = Text("join_inner");
        int entry = text.IndexOf("\"targetList\"", StringComparison.Ordinal);
        int at = text.IndexOf("\"varattno\": ", entry, StringComparison.Ordinal) + "\"varattno\": ".Length;
        var e = Refused(text[..at] + "1 " + text[at..]);
        Assert.StartsWith("$.query.targetList[0].expr", e.JsonPath, StringComparison.Ordinal);
        Assert.Contains("malformed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_UTF8_is_a_typed_error()
    {
        byte[] json = Fixture.Json("join_inner");
        int at = Encoding.UTF8.GetString(json).IndexOf("\"aliasname\"", StringComparison.Ordinal) + 1;
        json[at] = 0xFF; // inside a property name: JSON text must be UTF-8
        var e = Assert.Throws<QueryJsonException>(() => QueryPlanner.Plan(json));
        Assert.StartsWith("$.query.rtable[0]", e.JsonPath, StringComparison.Ordinal);
        Assert.Contains("invalid UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_node_kind_for_the_query_is_a_typed_error_at_the_query()
    {
        var e = Refused(ReplaceOnce(Text("join_inner"), "\"node\": \"QUERY\"", "\"node\": \"NOSUCHNODE\""));
        Assert.Equal("$.query", e.JsonPath);
        Assert.Contains("NOSUCHNODE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_without_a_kind_is_a_typed_error_at_the_node()
    {
        string text = Text("join_inner");
        int entry = text.IndexOf("\"targetList\"", StringComparison.Ordinal);
        int at = text.IndexOf("\"node\": \"VAR\"", entry, StringComparison.Ordinal);
        var e = Refused(text[..at] + "\"nokind\": \"VAR\"" + text[(at + "\"node\": \"VAR\"".Length)..]);
        Assert.Equal("$.query.targetList[0].expr", e.JsonPath);
    }

    [Fact]
    public void An_unknown_node_kind_in_an_expression_is_unsupported_naming_the_kind()
    {
        string text = Text("join_inner");
        int entry = text.IndexOf("\"targetList\"", StringComparison.Ordinal);
        int at = text.IndexOf("\"node\": \"VAR\"", entry, StringComparison.Ordinal);
        var result = QueryPlanner.Plan(Encoding.UTF8.GetBytes(text[..at] + "\"node\": \"NOSUCHEXPR\"" + text[(at + "\"node\": \"VAR\"".Length)..]));
        Assert.False(result.IsSupported);
        Assert.Contains("NOSUCHEXPR (at $.query.targetList[0].expr)", result.UnsupportedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_node_kind_in_the_from_list_is_unsupported_naming_the_kind_and_path()
    {
        var result = QueryPlanner.Plan(Encoding.UTF8.GetBytes(ReplaceOnce(Text("join_inner"), "\"node\": \"JOINEXPR\"", "\"node\": \"NOSUCHFROM\"")));
        Assert.False(result.IsSupported);
        Assert.Contains("NOSUCHFROM (at $.query.jointree.fromlist[0])", result.UnsupportedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_of_the_wrong_kind_is_a_typed_error_at_the_field()
    {
        var e = Refused(ReplaceOnce(Text("join_inner"), "\"commandType\": 1,", "\"commandType\": \"select\","));
        Assert.Equal("$.query.commandType", e.JsonPath);
    }

    [Fact]
    public void A_relation_the_query_reads_but_the_envelope_lacks_is_a_typed_error()
    {
        string text = Text("join_inner");
        int relations = text.IndexOf("\"relations\": [", StringComparison.Ordinal) + "\"relations\": [".Length;
        int catalog = text.IndexOf("\"catalog\"", StringComparison.Ordinal);
        int end = text.LastIndexOf(']', catalog);
        var e = Refused(text[..relations] + text[end..]);
        Assert.Equal("$.relations", e.JsonPath);
        Assert.Contains("(used at $.query.rtable[0]) is missing", e.Message, StringComparison.Ordinal);
    }
}
