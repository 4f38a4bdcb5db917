using System.Buffers.Text;
using System.Collections;
using System.Text;
using System.Text.Json;

namespace PgFusion.Planner.Json;

/// <summary>
/// A value of a <see cref="QueryJsonTree"/>, read with JsonElement's names and rules: asking a value
/// of another kind (a property of an array, the string of a number) throws InvalidOperationException,
/// a number that does not fit throws FormatException, duplicate property names resolve to the last.
/// </summary>
public readonly struct QueryJsonValue
{
    private readonly QueryJsonTree _tree;
    private readonly int _row;

    internal QueryJsonValue(QueryJsonTree tree, int row)
    {
        _tree = tree;
        _row = row;
    }

    private ref readonly QueryJsonTree.Row Row => ref _tree.RowAt(_row);

    /// <summary>The value's row in its tree (0 for the root and for a default value).</summary>
    internal int RowIndex => _row;

    /// <summary>
    /// The JSON path of this value written from <paramref name="ancestorPath"/>, the path of the value
    /// at <paramref name="ancestorRow"/> in the same tree (<c>.name</c> per property, <c>[i]</c> per item),
    /// found by descending from the ancestor through the rows' subtree ends. Only errors and messages
    /// ask, so nothing is kept per step while binding. A value that is not below the ancestor (or a
    /// disposed tree) gives the ancestor's path.
    /// </summary>
    internal string PathBelow(int ancestorRow, string ancestorPath)
    {
        if (_tree is null || _tree.IsDisposed || ancestorRow == _row) return ancestorPath;
        var text = new StringBuilder(ancestorPath);
        int at = ancestorRow;
        while (at != _row)
        {
            ref readonly var container = ref _tree.RowAt(at);
            bool isObject = container.Kind == JsonValueKind.Object;
            if (!isObject && container.Kind != JsonValueKind.Array) break;
            int next = -1;
            // children in order: an item's rows, or a property's name row followed by its value's rows
            for (int child = at + 1, index = 0; child < container.End; index++)
            {
                int value = isObject ? child + 1 : child;
                int end = _tree.RowAt(value).End;
                if (_row >= value && _row < end)
                {
                    if (isObject) text.Append('.').Append(new QueryJsonValue(_tree, child).GetString());
                    else text.Append('[').Append(index.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(']');
                    next = value;
                    break;
                }
                child = end;
            }
            if (next < 0) break;
            at = next;
        }
        return text.ToString();
    }

    public JsonValueKind ValueKind => _tree is null ? JsonValueKind.Undefined : Row.Kind;

    /// <summary>The value's own bytes: of a string, between its quotes (escapes not decoded).</summary>
    internal ReadOnlySpan<byte> ValueBytes => _tree.Json.Slice(Row.Start, Row.Length);

    /// <summary>The value's text as written (a string with its quotes), as JsonMarshal.GetRawUtf8Value.</summary>
    internal ReadOnlySpan<byte> RawBytes => Row.Kind == JsonValueKind.String ? _tree.Json.Slice(Row.Start - 1, Row.Length + 2) : ValueBytes;

    /// <summary>A string holding a backslash escape.</summary>
    internal bool IsEscaped => Row.Escaped;

    public bool TryGetProperty(string name, out QueryJsonValue value)
    {
        ArgumentNullException.ThrowIfNull(name);
        // The binder's field names are ASCII: compared with the names' bytes as they are, without
        // transcoding the name first (this lookup is the binder's most frequent call).
        if (!Ascii.IsValid(name)) return TryGetProperty(Encoding.UTF8.GetBytes(name), out value);
        Require(JsonValueKind.Object);
        int node = Row.NodeRow;
        if (node != QueryJsonTree.NodeUnknown && name == "node")
        {
            value = node < 0 ? default : new QueryJsonValue(_tree, node);
            return node >= 0;
        }
        var json = _tree.Json;
        // from the last property back: the last of duplicate names wins, as in JsonDocument
        for (int i = Row.Link; i >= 0;)
        {
            ref readonly var property = ref _tree.RowAt(i);
            if (property.Escaped ? new QueryJsonValue(_tree, i).GetString() == name
                : property.Length == name.Length && Ascii.Equals(json.Slice(property.Start, property.Length), name))
            {
                value = new QueryJsonValue(_tree, i + 1);
                return true;
            }
            i = property.Link;
        }
        value = default;
        return false;
    }

    public bool TryGetProperty(ReadOnlySpan<byte> utf8Name, out QueryJsonValue value)
    {
        Require(JsonValueKind.Object);
        // the node kind, asked of every node, was found while parsing
        int node = Row.NodeRow;
        if (node != QueryJsonTree.NodeUnknown && utf8Name.SequenceEqual("node"u8))
        {
            value = node < 0 ? default : new QueryJsonValue(_tree, node);
            return node >= 0;
        }
        var json = _tree.Json;
        // from the last property back: the last of duplicate names wins, as in JsonDocument
        for (int i = Row.Link; i >= 0;)
        {
            ref readonly var name = ref _tree.RowAt(i);
            if (name.Escaped ? new QueryJsonValue(_tree, i).GetString() == Encoding.UTF8.GetString(utf8Name)
                : name.Length == utf8Name.Length && json.Slice(name.Start, name.Length).SequenceEqual(utf8Name))
            {
                value = new QueryJsonValue(_tree, i + 1);
                return true;
            }
            i = name.Link;
        }
        value = default;
        return false;
    }

    public int GetArrayLength()
    {
        Require(JsonValueKind.Array);
        return Row.Count;
    }

    public ArrayEnumerator EnumerateArray()
    {
        Require(JsonValueKind.Array);
        return new ArrayEnumerator(_tree, _row);
    }

    public ObjectEnumerator EnumerateObject()
    {
        Require(JsonValueKind.Object);
        return new ObjectEnumerator(_tree, _row);
    }

    public string? GetString()
    {
        if (ValueKind == JsonValueKind.Null) return null;
        Require(JsonValueKind.String);
        if (!Row.Escaped) return Encoding.UTF8.GetString(ValueBytes);
        // the reader decodes escapes (and rejects invalid UTF-16 in them) as JsonDocument does
        var reader = new Utf8JsonReader(RawBytes);
        reader.Read();
        return reader.GetString();
    }

    public bool ValueEquals(string text)
    {
        Require(JsonValueKind.String);
        if (Row.Escaped || text.Length > 64 || !Ascii.IsValid(text)) return GetString() == text;
        return Ascii.Equals(ValueBytes, text);
    }

    public bool ValueEquals(ReadOnlySpan<byte> utf8Text)
    {
        Require(JsonValueKind.String);
        return Row.Escaped ? GetString() == Encoding.UTF8.GetString(utf8Text) : ValueBytes.SequenceEqual(utf8Text);
    }

    public string GetRawText() => Encoding.UTF8.GetString(RawBytes);

    public bool TryGetInt64(out long value)
    {
        Require(JsonValueKind.Number);
        var bytes = ValueBytes;
        if (Utf8Parser.TryParse(bytes, out value, out int consumed) && consumed == bytes.Length) return true;
        value = 0;
        return false;
    }

    public bool TryGetInt32(out int value)
    {
        Require(JsonValueKind.Number);
        var bytes = ValueBytes;
        if (Utf8Parser.TryParse(bytes, out value, out int consumed) && consumed == bytes.Length) return true;
        value = 0;
        return false;
    }

    public bool TryGetUInt32(out uint value)
    {
        Require(JsonValueKind.Number);
        var bytes = ValueBytes;
        if (Utf8Parser.TryParse(bytes, out value, out int consumed) && consumed == bytes.Length) return true;
        value = 0;
        return false;
    }

    public int GetInt32() => TryGetInt32(out int v) ? v : throw new FormatException("the JSON number is not an Int32");

    public double GetDouble()
    {
        Require(JsonValueKind.Number);
        var bytes = ValueBytes;
        if (Utf8Parser.TryParse(bytes, out double value, out int consumed) && consumed == bytes.Length && double.IsFinite(value)) return value;
        throw new FormatException("the JSON number is not a finite Double");
    }

    private void Require(JsonValueKind kind)
    {
        if (ValueKind != kind) throw new InvalidOperationException($"the operation requires a JSON {kind}, the value is {ValueKind}");
    }

    public override string ToString() => _tree is null ? "" : ValueKind == JsonValueKind.String ? GetString()! : GetRawText();

    /// <summary>An object's property: its name (made a string only when asked for) and value.</summary>
    public readonly struct Property
    {
        private readonly QueryJsonTree _tree;
        private readonly int _nameRow;

        internal Property(QueryJsonTree tree, int nameRow)
        {
            _tree = tree;
            _nameRow = nameRow;
        }

        public string Name => new QueryJsonValue(_tree, _nameRow).GetString()!;

        public QueryJsonValue Value => new(_tree, _nameRow + 1);

        public bool NameEquals(string name) => new QueryJsonValue(_tree, _nameRow).ValueEquals(name);
    }

    public struct ArrayEnumerator : IEnumerable<QueryJsonValue>, IEnumerator<QueryJsonValue>
    {
        private readonly QueryJsonTree _tree;
        private readonly int _end;
        private readonly int _first;
        private int _current;

        internal ArrayEnumerator(QueryJsonTree tree, int row)
        {
            _tree = tree;
            _first = row + 1;
            _end = tree.RowAt(row).End;
            _current = -1;
        }

        public readonly QueryJsonValue Current => new(_tree, _current);

        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            _current = _current < 0 ? _first : _tree.RowAt(_current).End;
            return _current < _end;
        }

        public void Reset() => _current = -1;

        public readonly void Dispose()
        {
        }

        public readonly ArrayEnumerator GetEnumerator() => this;

        readonly IEnumerator<QueryJsonValue> IEnumerable<QueryJsonValue>.GetEnumerator() => this;

        readonly IEnumerator IEnumerable.GetEnumerator() => this;
    }

    public struct ObjectEnumerator : IEnumerable<Property>, IEnumerator<Property>
    {
        private readonly QueryJsonTree _tree;
        private readonly int _end;
        private readonly int _first;
        private int _current;

        internal ObjectEnumerator(QueryJsonTree tree, int row)
        {
            _tree = tree;
            _first = row + 1;
            _end = tree.RowAt(row).End;
            _current = -1;
        }

        /// <summary>The current property (its name row; the value is the row after it).</summary>
        public readonly Property Current => new(_tree, _current);

        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            _current = _current < 0 ? _first : _tree.RowAt(_current + 1).End;
            return _current < _end;
        }

        public void Reset() => _current = -1;

        public readonly void Dispose()
        {
        }

        public readonly ObjectEnumerator GetEnumerator() => this;

        readonly IEnumerator<Property> IEnumerable<Property>.GetEnumerator() => this;

        readonly IEnumerator IEnumerable.GetEnumerator() => this;
    }
}
