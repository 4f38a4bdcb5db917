using System.Text;
using Xunit;

namespace PgFusion.Worker.Tests;

/// <summary>
/// The plan cache's key (<see cref="PlanKey"/>): a query JSON without its <c>,"location":N</c> fields.
/// Two queries that differ only in where their tokens stand share a plan; any other difference
/// must give another key, or the cache would hand out another query's plan.
/// </summary>
public sealed class PlanKeyTests
{
    private static PlanKey Key(string json) => PlanKey.Of(Encoding.UTF8.GetBytes(json));

    private static string Stripped(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var into = new byte[bytes.Length];
        int length = PlanKey.Strip(bytes, into);
        return Encoding.UTF8.GetString(into, 0, length);
    }

    [Theory]
    // one location, another value
    [InlineData("""{"kind":"VAR","varno":1,"location":7}""", """{"kind":"VAR","varno":1,"location":123}""")]
    // -1 (no location) against a position
    [InlineData("""{"kind":"CONST","constvalue":5,"location":-1}""", """{"kind":"CONST","constvalue":5,"location":40}""")]
    // nested nodes, every level's location differs
    [InlineData("""{"kind":"OPEXPR","args":[{"kind":"VAR","location":3},{"kind":"CONST","location":9}],"location":5}""",
        """{"kind":"OPEXPR","args":[{"kind":"VAR","location":30},{"kind":"CONST","location":-1}],"location":51}""")]
    // a location followed by more fields
    [InlineData("""{"a":1,"location":2,"b":3}""", """{"a":1,"location":99999,"b":3}""")]
    // the input ends right after a location's digits
    [InlineData("""{"a":1,"location":2""", """{"a":1,"location":345""")]
    // two locations in a row
    [InlineData("""{"a":1,"location":2,"location":3}""", """{"a":1,"location":20,"location":-30}""")]
    public void Keys_of_json_differing_only_in_locations_are_equal(string a, string b)
    {
        var ka = Key(a);
        var kb = Key(b);
        Assert.Equal(ka, kb);
        Assert.True(PlanKey.Comparer.Instance.Equals(ka, kb));
        Assert.Equal(ka.GetHashCode(), kb.GetHashCode());
        Assert.Equal(ka.Bytes.ToArray(), kb.Bytes.ToArray());
    }

    [Theory]
    // another value of a field that is no location
    [InlineData("""{"kind":"VAR","varno":1,"location":7}""", """{"kind":"VAR","varno":2,"location":7}""")]
    // a digit right before a location field
    [InlineData("""{"a":1,"location":5}""", """{"a":15}""")]
    // a field whose name only contains "location"
    [InlineData("""{"a":1,"locations":5}""", """{"a":1,"locations":6}""")]
    [InlineData("""{"a":1,"xlocation":5}""", """{"a":1,"xlocation":6}""")]
    // a location field whose value is no integer is kept
    [InlineData("""{"a":1,"location":"x"}""", """{"a":1,"location":"y"}""")]
    // the text ,"location": inside a string (its quotes escaped) is the string's content
    [InlineData("""{"s":",\"location\":1"}""", """{"s":",\"location\":2"}""")]
    [InlineData("""{"s":"a,\"location\":1","location":4}""", """{"s":"a","location":4}""")]
    // a truncated location run (no digits) is kept: not the same as the JSON without it
    [InlineData("""{"a":1,"location":""", """{"a":1""")]
    [InlineData("""{"a":1,"location":-""", """{"a":1,"location":""")]
    // other nesting
    [InlineData("""{"args":[{"a":1},{"b":2}],"location":1}""", """{"args":[{"a":1,"b":2}],"location":1}""")]
    // a location as an object's first field (no comma before it) is not stripped; the worker's
    // query JSON writes a node's kind first, so it never stands there
    [InlineData("""{"location":1,"a":1}""", """{"location":2,"a":1}""")]
    public void Keys_of_json_differing_otherwise_are_different(string a, string b)
    {
        var ka = Key(a);
        var kb = Key(b);
        Assert.NotEqual(ka, kb);
        Assert.False(PlanKey.Comparer.Instance.Equals(ka, kb));
        Assert.NotEqual(ka.Bytes.ToArray(), kb.Bytes.ToArray());
    }

    [Theory]
    [InlineData("""{"a":1,"location":12}""", """{"a":1}""")]
    [InlineData("""{"a":1,"location":-1,"b":[{"c":2,"location":3}]}""", """{"a":1,"b":[{"c":2}]}""")]
    [InlineData("""[1,"location":""", """[1,"location":""")]
    [InlineData("""[1,"location":-""", """[1,"location":-""")]
    [InlineData("""[1,"location":-7""", """[1""")]
    [InlineData(""",,"location":1,"location":""", """,,"location":""")]
    [InlineData("""{"s":",\"location\":1"}""", """{"s":",\"location\":1"}""")]
    [InlineData("", "")]
    public void Strip_removes_exactly_the_location_runs(string json, string expected)
    {
        Assert.Equal(expected, Stripped(json));
        Assert.Equal(Encoding.UTF8.GetBytes(expected), Key(json).Bytes.ToArray());
    }

    [Fact]
    public void A_lookup_by_stripped_bytes_finds_the_key_of_another_location()
    {
        var cache = new Dictionary<PlanKey, string>(PlanKey.Comparer.Instance)
        {
            [Key("""{"kind":"QUERY","x":1,"location":4}""")] = "one",
            [Key("""{"kind":"QUERY","x":2,"location":4}""")] = "two",
        };
        var lookup = cache.GetAlternateLookup<ReadOnlySpan<byte>>();
        var json = Encoding.UTF8.GetBytes("""{"kind":"QUERY","x":2,"location":87}""");
        var canonical = new byte[json.Length];
        int length = PlanKey.Strip(json, canonical);
        Assert.True(lookup.TryGetValue(canonical.AsSpan(0, length), out var found));
        Assert.Equal("two", found);
        Assert.False(lookup.TryGetValue(Encoding.UTF8.GetBytes("""{"kind":"QUERY","x":3}"""), out _));
    }
}
