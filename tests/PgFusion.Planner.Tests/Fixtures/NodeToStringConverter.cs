using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PgFusion.Planner.Tests.Fixtures;

/// <summary>
/// TEST FIXTURE TOOL, not product code: converts PostgreSQL 15's nodeToString text (as
/// debug_print_rewritten logs it) into the "query" JSON of QUERY_JSON_CONTRACT.md, token by token
/// with the contract's rules. Stands in for the native serializer until pg_fusion_query_tree lands.
/// </summary>
public static class NodeToStringConverter
{
    public static void Convert(string nodeText, Utf8JsonWriter writer)
    {
        var tokens = Tokenize(nodeText);
        int pos = 0;
        WriteValue(tokens, ref pos, writer, fieldName: null);
        if (pos != tokens.Count) throw new FormatException($"unexpected token '{tokens[pos].Text}' after the tree");
    }

    private readonly record struct Token(string Text, bool Escaped, bool Quoted);

    /// <summary>pg_strtok: whitespace separates; ( ) { } are tokens of their own; backslash escapes the next character.</summary>
    private static List<Token> Tokenize(string s)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c is '(' or ')' or '{' or '}') { tokens.Add(new Token(c.ToString(), false, false)); i++; continue; }
            var sb = new StringBuilder();
            bool firstEscaped = c == '\\';
            while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] is not ('(' or ')' or '{' or '}'))
            {
                if (s[i] == '\\' && i + 1 < s.Length)
                {
                    // format_node_dump may break a line at an escaped space: "\<newline>" is "\ ".
                    sb.Append(s[i + 1] == '\n' ? ' ' : s[i + 1]);
                    i += 2;
                    continue;
                }
                sb.Append(s[i++]);
            }
            string text = sb.ToString();
            bool quoted = !firstEscaped && text.Length >= 2 && text[0] == '"' && text[^1] == '"';
            tokens.Add(new Token(quoted ? text[1..^1] : text, firstEscaped, quoted));
        }
        return tokens;
    }

    private static void WriteValue(List<Token> t, ref int pos, Utf8JsonWriter w, string? fieldName)
    {
        var tok = t[pos];
        if (tok is { Text: "{", Quoted: false, Escaped: false }) { WriteNode(t, ref pos, w); return; }
        if (tok is { Text: "(", Quoted: false, Escaped: false }) { WriteList(t, ref pos, w); return; }
        if (fieldName == "constvalue" && tok is { Quoted: false, Escaped: false } && tok.Text != "<>" && long.TryParse(tok.Text, out long len))
        {
            // outDatum: LEN [ b0 b1 ... ] with each byte printed as a signed char.
            pos++;
            if (t[pos].Text != "[") throw new FormatException("datum without '['");
            pos++;
            var bytes = new List<byte>();
            while (t[pos].Text != "]") bytes.Add(unchecked((byte)int.Parse(t[pos++].Text, CultureInfo.InvariantCulture)));
            pos++;
            w.WriteStartObject();
            w.WriteNumber("len", len);
            w.WriteString("bytes", System.Convert.ToHexString(bytes.ToArray()).ToLowerInvariant());
            w.WriteEndObject();
            return;
        }
        pos++;
        WriteScalar(tok, w);
    }

    private static void WriteScalar(Token tok, Utf8JsonWriter w)
    {
        if (tok.Quoted) { w.WriteStringValue(tok.Text); return; }
        if (!tok.Escaped)
        {
            if (tok.Text == "<>") { w.WriteNullValue(); return; }
            if (tok.Text == "true") { w.WriteBooleanValue(true); return; }
            if (tok.Text == "false") { w.WriteBooleanValue(false); return; }
            if (long.TryParse(tok.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) { w.WriteNumberValue(l); return; }
            if (tok.Text.Length > 0 && (char.IsDigit(tok.Text[0]) || tok.Text[0] is '-' or '+' or '.')
                && double.TryParse(tok.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) { w.WriteNumberValue(d); return; }
        }
        w.WriteStringValue(tok.Text);
    }

    private static void WriteNode(List<Token> t, ref int pos, Utf8JsonWriter w)
    {
        pos++; // {
        w.WriteStartObject();
        w.WriteString("node", t[pos++].Text);
        while (t[pos].Text != "}" || t[pos].Escaped)
        {
            string field = t[pos++].Text;
            if (!field.StartsWith(':')) throw new FormatException($"expected :field, found '{field}'");
            w.WritePropertyName(field[1..]);
            if (t[pos].Text is "}" && !t[pos].Escaped) { w.WriteNullValue(); break; }
            if (t[pos].Text.StartsWith(':') && !t[pos].Escaped && !t[pos].Quoted) { w.WriteNullValue(); continue; }
            WriteValue(t, ref pos, w, field[1..]);
        }
        pos++; // }
        w.WriteEndObject();
    }

    private static void WriteList(List<Token> t, ref int pos, Utf8JsonWriter w)
    {
        pos++; // (
        w.WriteStartArray();
        if (t[pos] is { Text: "i" or "o" or "b" or "x", Escaped: false, Quoted: false })
        {
            pos++;
            while (t[pos].Text != ")") w.WriteNumberValue(long.Parse(t[pos++].Text, CultureInfo.InvariantCulture));
        }
        else
        {
            while (t[pos].Text != ")" || t[pos].Escaped || t[pos].Quoted) WriteValue(t, ref pos, w, null);
        }
        pos++; // )
        w.WriteEndArray();
    }
}
