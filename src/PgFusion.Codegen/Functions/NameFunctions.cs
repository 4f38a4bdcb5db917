using PgFusion.Codegen.Values;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// Casts between name and the text types (varlena.c text_name / name_text, varchar.c bpchar_name /
/// name_bpchar). A name inside a kernel is its bytes up to the first NUL (NameDecoder and
/// DatumDecoder stop there), so a name read as text is the same window.
/// </summary>
public static class NameFunctions
{
    /// <summary>NAMEDATALEN: a name holds at most NAMEDATALEN - 1 bytes and its NUL.</summary>
    private const int NameDataLen = 64;

    /// <summary>
    /// text_name (text -> name and varchar -> name): a value of NAMEDATALEN bytes or more keeps
    /// the whole characters of its first 63 bytes (pg_mbcliplen), silently.
    /// </summary>
    public static TextRef TextToName(TextRef value)
    {
        if (value.Length < NameDataLen) return value;
        return new TextRef(value.Data, value.Offset, ClipBytes(value.Span, NameDataLen - 1));
    }

    /// <summary>bpchar_name: clipped as text_name, then the trailing blanks dropped (after the clip, as varchar.c does).</summary>
    public static TextRef BpcharToName(TextRef value)
    {
        var s = value.Span;
        int length = s.Length >= NameDataLen ? ClipBytes(s, NameDataLen - 1) : s.Length;
        while (length > 0 && s[length - 1] == (byte)' ') length--;
        return new TextRef(value.Data, value.Offset, length);
    }

    /// <summary>name_text (name -> text and name -> varchar) and name_bpchar: the name's characters, unchanged.</summary>
    public static TextRef NameToText(TextRef value) => value;

    /// <summary>
    /// pg_mbcliplen in UTF-8: the bytes of the leading whole characters that fit in
    /// <paramref name="limit"/> bytes, stopping at a NUL (a text value holds none).
    /// </summary>
    private static int ClipBytes(ReadOnlySpan<byte> s, int limit)
    {
        int clipped = 0;
        while (clipped < s.Length && s[clipped] != 0)
        {
            int next = clipped + Utf8Length(s[clipped]);
            if (next > limit) break;
            clipped = next;
            if (clipped == limit) break;
        }
        return Math.Min(clipped, s.Length);
    }

    /// <summary>pg_utf_mblen: the length of a UTF-8 sequence from its first byte (1 for a stray continuation byte).</summary>
    private static int Utf8Length(byte lead) =>
        (lead & 0x80) == 0 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 1;
}
