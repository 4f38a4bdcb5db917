namespace PgFusion.Planner.Json;

/// <summary>
/// The parsed query part of the envelope: one flat row per JSON value (and per property name), in
/// document order, each holding where its text is and where its subtree ends. It replaces
/// JsonDocument for the binder, which took a sixth of planning a TPC-H query to index the ~18 KB
/// query tree (Utf8JsonReader's token-by-token state machine plus its metadata rows) and another
/// tenth to look fields up (transcoding every field name, then comparing it with each property).
/// Here a field lookup compares lengths before bytes, and the parse is one pass over the bytes.
/// <para>
/// It accepts only JSON that Utf8JsonReader accepts (with JsonDocument's defaults and a maximum
/// depth of <see cref="MaxDepth"/>); <see cref="TryParse"/> returns null on anything else (also on
/// what it merely does not know), and the caller lets the reader name the error as before.
/// Duplicate property names resolve to the last one, as in JsonDocument.
/// </para>
/// </summary>
internal sealed class QueryJsonTree : IDisposable
{
    /// <summary>The nesting JsonDocument was given (objects and arrays inside one another).</summary>
    public const int MaxDepth = 4096;

    private readonly byte[] _json;

    // rented (a Q8-sized query holds some 2,000 rows); null once disposed
    private Row[]? _rows;

    private QueryJsonTree(byte[] json, Row[] rows)
    {
        _json = json;
        _rows = rows;
    }

    /// <summary><see cref="Row.NodeRow"/> of an object with an escaped property name.</summary>
    internal const int NodeUnknown = -2;

    /// <summary>The root value.</summary>
    public QueryJsonValue Root => new(this, 0);

    /// <summary>One value, or one property name (a string row followed by its value's rows).</summary>
    internal struct Row
    {
        /// <summary>First byte of the value; of a string, the first byte after its opening quote.</summary>
        public int Start;

        /// <summary>Bytes of the value; of a string, between its quotes.</summary>
        public int Length;

        /// <summary>The row after this value's subtree (the next sibling's row).</summary>
        public int End;

        /// <summary>Items of an array, properties of an object.</summary>
        public int Count;

        /// <summary>
        /// Of an object, its last property's name row; of a property name, the previous property's
        /// name row; -1 when there is none. Lookups walk back from the last property, as
        /// JsonDocument does, so that the last of duplicate names wins without reading them all.
        /// </summary>
        public int Link;

        /// <summary>
        /// Of an object, the value row of its (last) "node" property, which names the node kind that
        /// the binder asks of every node: -1 when it has none, <see cref="NodeUnknown"/> when a
        /// property name is escaped (then it is looked up as any other).
        /// </summary>
        public int NodeRow;

        private byte _kind;

        public System.Text.Json.JsonValueKind Kind
        {
            readonly get => (System.Text.Json.JsonValueKind)_kind;
            set => _kind = (byte)value;
        }

        /// <summary>A string holding a backslash escape (compared and decoded the slow way).</summary>
        public bool Escaped;
    }

    internal ReadOnlySpan<byte> Json => _json;

    internal bool IsDisposed => _rows is null;

    internal ref readonly Row RowAt(int index)
    {
        ObjectDisposedException.ThrowIf(_rows is null, this);
        return ref _rows[index];
    }

    /// <summary>Returns the rows to the pool; the values of this tree must not be read afterwards.</summary>
    public void Dispose()
    {
        var rows = _rows;
        _rows = null;
        if (rows is not null) System.Buffers.ArrayPool<Row>.Shared.Return(rows);
    }

    /// <summary>The tree of <paramref name="json"/>, or null when it is not JSON this parser accepts.</summary>
    public static QueryJsonTree? TryParse(byte[] json)
    {
        var parser = new Parser(json);
        if (parser.Parse()) return new QueryJsonTree(json, parser.Rows);
        System.Buffers.ArrayPool<Row>.Shared.Return(parser.Rows);
        return null;
    }

    /// <summary>One forward pass with an explicit stack of open containers (nesting as deep as <see cref="MaxDepth"/>).</summary>
    private ref struct Parser(byte[] json)
    {
        private readonly ReadOnlySpan<byte> _json = json;
        // about one row per 8 bytes of a query tree
        private Row[] _rows = System.Buffers.ArrayPool<Row>.Shared.Rent(Math.Max(16, json.Length / 7));
        private int _count;
        private int[] _open = new int[32];
        private int _depth;

        public readonly Row[] Rows => _rows;

        public bool Parse()
        {
            int i = Whitespace(0);
            while (true)
            {
                // a value starts at i
                if (i >= _json.Length) return false;
                byte b = _json[i];
                if (b is (byte)'{' or (byte)'[')
                {
                    if (_depth >= MaxDepth) return false;
                    bool isObject = b == '{';
                    int row = AddValue(isObject ? System.Text.Json.JsonValueKind.Object : System.Text.Json.JsonValueKind.Array, i, 0, false);
                    Push(row);
                    i = Whitespace(i + 1);
                    if (i < _json.Length && _json[i] == (isObject ? '}' : ']'))
                    {
                        Close(i);
                        i++;
                    }
                    else
                    {
                        if (isObject && !Name(ref i)) return false;
                        continue; // the first member's value
                    }
                }
                else if (b == '"')
                {
                    if (!String(ref i, out int start, out bool escaped)) return false;
                    AddValue(System.Text.Json.JsonValueKind.String, start, i - 1 - start, escaped);
                }
                else if (b is (byte)'-' or (>= (byte)'0' and <= (byte)'9'))
                {
                    int start = i;
                    if (!Number(ref i)) return false;
                    AddValue(System.Text.Json.JsonValueKind.Number, start, i - start, false);
                }
                else if (Literal(i, "true"u8)) { AddValue(System.Text.Json.JsonValueKind.True, i, 4, false); i += 4; }
                else if (Literal(i, "false"u8)) { AddValue(System.Text.Json.JsonValueKind.False, i, 5, false); i += 5; }
                else if (Literal(i, "null"u8)) { AddValue(System.Text.Json.JsonValueKind.Null, i, 4, false); i += 4; }
                else
                {
                    return false;
                }

                // after a value: a separator, or the end of containers
                i = Whitespace(i);
                while (true)
                {
                    if (_depth == 0) return i == _json.Length;
                    if (i >= _json.Length) return false;
                    bool inObject = _rows[_open[_depth - 1]].Kind == System.Text.Json.JsonValueKind.Object;
                    byte c = _json[i];
                    if (c == ',')
                    {
                        i = Whitespace(i + 1);
                        if (inObject && !Name(ref i)) return false;
                        break;
                    }
                    if (c != (inObject ? '}' : ']')) return false;
                    Close(i);
                    i = Whitespace(i + 1);
                }
            }
        }

        /// <summary>A property name, its colon and the whitespace up to its value.</summary>
        private bool Name(ref int i)
        {
            if (i >= _json.Length || _json[i] != '"') return false;
            if (!String(ref i, out int start, out bool escaped)) return false;
            int row = Add(System.Text.Json.JsonValueKind.String, start, i - 1 - start, escaped);
            ref var owner = ref _rows[_open[_depth - 1]];
            owner.Count++;
            _rows[row].Link = owner.Link;
            owner.Link = row;
            if (escaped) owner.NodeRow = NodeUnknown;
            else if (owner.NodeRow != NodeUnknown && i - 1 - start == 4 && _json.Slice(start, 4).SequenceEqual("node"u8)) owner.NodeRow = row + 1;
            i = Whitespace(i);
            if (i >= _json.Length || _json[i] != ':') return false;
            i = Whitespace(i + 1);
            return true;
        }

        private int AddValue(System.Text.Json.JsonValueKind kind, int start, int length, bool escaped)
        {
            int row = Add(kind, start, length, escaped);
            if (_depth > 0 && _rows[_open[_depth - 1]].Kind == System.Text.Json.JsonValueKind.Array) _rows[_open[_depth - 1]].Count++;
            return row;
        }

        private int Add(System.Text.Json.JsonValueKind kind, int start, int length, bool escaped)
        {
            if (_count == _rows.Length)
            {
                var larger = System.Buffers.ArrayPool<Row>.Shared.Rent(_rows.Length * 2);
                _rows.AsSpan().CopyTo(larger);
                System.Buffers.ArrayPool<Row>.Shared.Return(_rows);
                _rows = larger;
            }
            ref var r = ref _rows[_count];
            r.Kind = kind;
            r.Start = start;
            r.Length = length;
            r.Escaped = escaped;
            r.Link = -1;
            r.NodeRow = -1;
            r.Count = 0; // rented rows hold old values
            r.End = _count + 1; // a container's is set when it closes
            return _count++;
        }

        private void Push(int row)
        {
            if (_depth == _open.Length) Array.Resize(ref _open, _open.Length * 2);
            _open[_depth++] = row;
        }

        /// <summary>The innermost open container ends at <paramref name="close"/> (its closing bracket).</summary>
        private void Close(int close)
        {
            ref var r = ref _rows[_open[--_depth]];
            r.Length = close + 1 - r.Start;
            r.End = _count;
        }

        /// <summary>A string from its opening quote at <paramref name="i"/>; <paramref name="i"/> ends past the closing quote.</summary>
        private readonly bool String(ref int i, out int start, out bool escaped)
        {
            start = i + 1;
            escaped = false;
            // byte by byte: names, node kinds and values are a few bytes, shorter than a vector search pays for
            for (int j = start; j < _json.Length;)
            {
                byte b = _json[j];
                if (b == '"')
                {
                    i = j + 1;
                    return true;
                }
                if (b < 0x20) return false; // unescaped control characters are not allowed in JSON strings
                if (b != '\\')
                {
                    j++;
                    continue;
                }
                escaped = true;
                if (j + 1 >= _json.Length) return false;
                switch (_json[j + 1])
                {
                    case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                        j += 2;
                        break;
                    case (byte)'u':
                        if (j + 6 > _json.Length) return false;
                        foreach (byte h in _json.Slice(j + 2, 4))
                            if (!char.IsAsciiHexDigit((char)h)) return false;
                        j += 6;
                        break;
                    default:
                        return false;
                }
            }
            return false;
        }

        /// <summary>-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?; what follows is checked as the next token.</summary>
        private readonly bool Number(ref int i)
        {
            int j = i;
            if (_json[j] == '-') j++;
            if (j >= _json.Length) return false;
            if (_json[j] == '0') j++;
            else if (!Digits(ref j)) return false;
            if (j < _json.Length && _json[j] == '.')
            {
                j++;
                if (!Digits(ref j)) return false;
            }
            if (j < _json.Length && _json[j] is (byte)'e' or (byte)'E')
            {
                j++;
                if (j < _json.Length && _json[j] is (byte)'+' or (byte)'-') j++;
                if (!Digits(ref j)) return false;
            }
            i = j;
            return true;
        }

        private readonly bool Digits(ref int j)
        {
            int start = j;
            while (j < _json.Length && _json[j] is >= (byte)'0' and <= (byte)'9') j++;
            return j > start;
        }

        private readonly bool Literal(int i, ReadOnlySpan<byte> word) =>
            _json.Length - i >= word.Length && _json.Slice(i, word.Length).SequenceEqual(word);

        private readonly int Whitespace(int i)
        {
            while (i < _json.Length && _json[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
            return i;
        }
    }
}
