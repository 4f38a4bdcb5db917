using System.Globalization;
using System.Text.Json;

namespace PgFusion.Planner.Json;

/// <summary>
/// A value of the Query tree (PostgreSQL's nodeToString as JSON) together with its JSON path. The
/// tree has hundreds of node kinds, so the binder reads fields by PostgreSQL's names through these
/// typed accessors instead of a class per node; every accessor reports a missing field or a wrong
/// kind as a <see cref="QueryJsonException"/> naming the path.
/// </summary>
public readonly struct QueryTreeNode
{
    public QueryTreeNode(QueryJsonValue element, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Element = element;
        _base = path == "$" ? null : JsonPathSegment.Root(path);
        _baseRow = element.RowIndex;
    }

    /// <summary>A node at a path taken from another document's node (the same place, re-parsed).</summary>
    internal QueryTreeNode(QueryJsonValue element, JsonPathSegment? at)
    {
        Element = element;
        _base = at;
        _baseRow = element.RowIndex;
    }

    /// <summary>A node below the same base (a field or item of this one).</summary>
    private QueryTreeNode(QueryJsonValue element, JsonPathSegment? @base, int baseRow)
    {
        Element = element;
        _base = @base;
        _baseRow = baseRow;
    }

    // The path is built only when asked for (errors, messages), from where the value sits in its
    // tree below the node the walk started at: the binder walks thousands of fields per query, and
    // a string, or even a linked path step, per field cost more than the walk itself. Null is "$".
    private readonly JsonPathSegment? _base;

    /// <summary>The row of the node the walk started at (whose path is <see cref="_base"/>).</summary>
    private readonly int _baseRow;

    public QueryJsonValue Element { get; }

    public string Path => Element.PathBelow(_baseRow, _base?.ToString() ?? "$");

    internal JsonPathSegment? PathSegment => Element.RowIndex == _baseRow ? _base : JsonPathSegment.Root(Path);

    /// <summary>JSON null: PostgreSQL's <c>&lt;&gt;</c> (a NULL pointer or NIL list).</summary>
    public bool IsNull => Element.ValueKind == JsonValueKind.Null;

    /// <summary>The node kind as outfuncs writes it (QUERY, VAR, OPEXPR, ...), or null when this is not a node.</summary>
    public string? Kind =>
        Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty("node"u8, out var n) && n.ValueKind == JsonValueKind.String ? KindName(n) : null;

    // Node kinds are a few hundred names asked for again and again: one string each instead of a
    // new one per read. Bounded, so odd input cannot grow it without end.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> KindNames = new(StringComparer.Ordinal);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> KindLookup =
        KindNames.GetAlternateLookup<ReadOnlySpan<char>>();
    private const int MaxKindNames = 2048;

    private static string KindName(QueryJsonValue n)
    {
        // the name's bytes; an escaped or unusual name goes the general way
        var ascii = n.ValueBytes;
        if (n.IsEscaped || ascii.Length > 64 || ascii.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7e) >= 0)
            return n.GetString()!;
        Span<char> chars = stackalloc char[64];
        int length = System.Text.Encoding.ASCII.GetChars(ascii, chars);
        if (KindLookup.TryGetValue(chars[..length], out var known)) return known;
        string name = n.GetString()!;
        if (KindNames.Count < MaxKindNames) KindNames.TryAdd(name, name);
        return name;
    }

    /// <summary>The node kind; a value that is not a node is an error.</summary>
    public string RequireKind() => Kind ?? throw Error($"expected a node object with a \"node\" field, found {Describe(Element)}");

    public bool Has(string field) => Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(field, out _);

    public QueryTreeNode Field(string field)
    {
        if (Element.ValueKind != JsonValueKind.Object)
            throw Error($"expected an object with field \"{field}\", found {Describe(Element)}");
        if (!Element.TryGetProperty(field, out var value))
            throw new QueryJsonException(Path, $"missing field \"{field}\"" + (Kind is { } k ? $" of {k}" : ""));
        return new QueryTreeNode(value, _base, _baseRow);
    }

    /// <summary>The field, or null when it is absent or JSON null.</summary>
    public QueryTreeNode? Optional(string field)
    {
        if (Element.ValueKind != JsonValueKind.Object || !Element.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return new QueryTreeNode(value, _base, _baseRow);
    }

    /// <summary>A list field; null (NIL) is the empty list.</summary>
    public IReadOnlyList<QueryTreeNode> List(string field) => Field(field).Items();

    public IReadOnlyList<QueryTreeNode> Items()
    {
        if (IsNull) return [];
        if (Element.ValueKind != JsonValueKind.Array) throw Error($"expected an array, found {Describe(Element)}");
        var items = new List<QueryTreeNode>(Element.GetArrayLength());
        foreach (var item in Element.EnumerateArray())
            items.Add(new QueryTreeNode(item, _base, _baseRow));
        return items;
    }

    public long Int64()
    {
        if (Element.ValueKind != JsonValueKind.Number || !Element.TryGetInt64(out long v))
            throw Error($"expected an integer, found {Describe(Element)}");
        return v;
    }

    public int Int32()
    {
        long v = Int64();
        if (v is < int.MinValue or > int.MaxValue) throw Error($"integer {v} out of the int32 range");
        return (int)v;
    }

    public uint UInt32()
    {
        long v = Int64();
        if (v is < 0 or > uint.MaxValue) throw Error($"OID {v} out of range");
        return (uint)v;
    }

    public double Double()
    {
        if (Element.ValueKind != JsonValueKind.Number) throw Error($"expected a number, found {Describe(Element)}");
        return Element.GetDouble();
    }

    public bool Bool() => Element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Error($"expected true or false, found {Describe(Element)}"),
    };

    public string String()
    {
        if (Element.ValueKind != JsonValueKind.String) throw Error($"expected a string, found {Describe(Element)}");
        return Element.GetString()!;
    }

    /// <summary>A string, or the text of a number (outfuncs' bare tokens may come out either way).</summary>
    public string Text() => Element.ValueKind switch
    {
        JsonValueKind.String => Element.GetString()!,
        JsonValueKind.Number => Element.GetRawText(),
        _ => throw Error($"expected a string, found {Describe(Element)}"),
    };

    /// <summary>A char field (relkind, aggkind), written as a one-character string.</summary>
    public char Char()
    {
        if (Element.ValueKind == JsonValueKind.String)
        {
            // a plain one-character ASCII string, read without making a string
            var raw = Element.ValueBytes;
            if (raw.Length == 1 && !Element.IsEscaped && raw[0] is >= 0x20 and < 0x7f)
                return (char)raw[0];
        }
        string s = Text();
        if (s.Length != 1) throw Error($"expected a one-character string, found \"{s}\"");
        return s[0];
    }

    // The field accessors read a well-formed field without making its node (and its path step);
    // anything else goes through Field for the same errors.
    public int Int32(string field) =>
        TryValue(field, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : Field(field).Int32();

    public uint UInt32(string field) =>
        TryValue(field, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetUInt32(out uint u) ? u : Field(field).UInt32();

    public bool Bool(string field) =>
        TryValue(field, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.ValueKind == JsonValueKind.True : Field(field).Bool();

    public string String(string field) =>
        TryValue(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : Field(field).String();

    private bool TryValue(string field, out QueryJsonValue value)
    {
        if (Element.ValueKind == JsonValueKind.Object) return Element.TryGetProperty(field, out value);
        value = default;
        return false;
    }

    public bool IsNullField(string field) => Optional(field) is null;

    public QueryJsonException Error(string message) => new(Path, message);

    internal static string Describe(QueryJsonValue e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.TryGetProperty("node", out var n) && n.ValueKind == JsonValueKind.String ? $"node {n.GetString()}" : "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"string \"{Truncate(e.GetString()!)}\"",
        JsonValueKind.Number => "number " + e.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        JsonValueKind.Null => "null",
        _ => e.ValueKind.ToString(),
    };

    private static string Truncate(string s) => s.Length > 40 ? s[..40] + "..." : s;

    public override string ToString() => Path + " = " + Describe(Element);

    internal static string Index(string path, int i) => path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]";
}
