using System.Text;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Values;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// The string functions reports use (varlena.c, oracle_compat.c, like.c), on UTF-8 text, counting
/// characters, not bytes. Case mapping (upper, lower, ILIKE) is per code point through glibc's
/// towupper/towlower under C.UTF-8 (<see cref="GlibcCaseMap"/>), as PostgreSQL does under the
/// C.UTF-8 LC_CTYPE the cluster is created with; the tests compare every code point.
/// </summary>
public static class StringFunctions
{
    public const string SubstringError = "22011";

    private static int CharLength(byte lead) => lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;

    /// <summary>Byte offset of character <paramref name="chars"/> (0-based) in s, or s.Length past the end.</summary>
    private static int ByteOffset(ReadOnlySpan<byte> s, long chars)
    {
        int i = 0;
        while (chars > 0 && i < s.Length)
        {
            i += CharLength(s[i]);
            chars--;
        }
        return Math.Min(i, s.Length);
    }

    private static int CharCount(ReadOnlySpan<byte> s)
    {
        int n = 0;
        foreach (byte b in s)
        {
            if ((b & 0xC0) != 0x80) n++;
        }
        return n;
    }

    /// <summary>text_substr(str, start, length): SQL's SUBSTRING(str FROM start FOR length).</summary>
    public static TextRef Substr(TextRef str, int start, int length)
    {
        if (length < 0) PgErrors.Raise(SubstringError, "negative substring length not allowed");
        long end = (long)start + length;
        if (end > int.MaxValue) return SubstrNoLen(str, start);
        if (end < 1) return new TextRef(str.Data, str.Offset, 0);
        int s1 = Math.Max(start, 1);
        return Slice(str, s1, end - s1);
    }

    /// <summary>text_substr_no_len(str, start): to the end of the string.</summary>
    public static TextRef SubstrNoLen(TextRef str, int start) => Slice(str, Math.Max(start, 1), long.MaxValue);

    private static TextRef Slice(TextRef str, int startChar, long chars)
    {
        var s = str.Span;
        int from = ByteOffset(s, startChar - 1L);
        int to = chars == long.MaxValue ? s.Length : from + ByteOffset(s[from..], chars);
        return new TextRef(str.Data, str.Offset + from, to - from);
    }

    /// <summary>
    /// text_left(str, n): the first n characters; a negative n drops the last -n characters (all of
    /// them when -n passes the length). Characters are UTF-8 sequences, counted by their lead bytes.
    /// </summary>
    public static TextRef Left(TextRef str, int n)
    {
        var s = str.Span;
        long keep = n >= 0 ? n : (long)CharCount(s) + n;
        return new TextRef(str.Data, str.Offset, keep <= 0 ? 0 : ByteOffset(s, keep));
    }

    /// <summary>
    /// text_right(str, n): the last n characters; a negative n drops the first -n characters
    /// (n = int.MinValue too: PostgreSQL 15 gives the empty string, as checked against it).
    /// </summary>
    public static TextRef Right(TextRef str, int n)
    {
        var s = str.Span;
        long skip = n < 0 ? -(long)n : (long)CharCount(s) - n;
        int from = skip <= 0 ? 0 : ByteOffset(s, skip);
        return new TextRef(str.Data, str.Offset + from, s.Length - from);
    }

    /// <summary>textpos / strpos: 1-based character position of the first match, 0 if none, 1 for an empty needle.</summary>
    public static int Position(TextRef str, TextRef search)
    {
        if (search.Length == 0) return 1;
        int at = str.Span.IndexOf(search.Span);
        return at < 0 ? 0 : CharCount(str.Span[..at]) + 1;
    }

    public static TextRef BTrimSpaces(TextRef s) => TrimSet(s, " "u8, left: true, right: true);

    public static TextRef LTrimSpaces(TextRef s) => TrimSet(s, " "u8, left: true, right: false);

    public static TextRef RTrimSpaces(TextRef s) => TrimSet(s, " "u8, left: false, right: true);

    public static TextRef BTrim(TextRef s, TextRef set) => TrimSet(s, set.Span, left: true, right: true);

    public static TextRef LTrim(TextRef s, TextRef set) => TrimSet(s, set.Span, left: true, right: false);

    public static TextRef RTrim(TextRef s, TextRef set) => TrimSet(s, set.Span, left: false, right: true);

    /// <summary>dotrim: strips whole characters that occur in <paramref name="set"/> from either end.</summary>
    private static TextRef TrimSet(TextRef str, ReadOnlySpan<byte> set, bool left, bool right)
    {
        var s = str.Span;
        int from = 0, to = s.Length;
        if (set.Length == 0) return str;
        if (left)
        {
            while (from < to)
            {
                int len = Math.Min(CharLength(s[from]), to - from);
                if (!InSet(s.Slice(from, len), set)) break;
                from += len;
            }
        }
        if (right)
        {
            while (to > from)
            {
                int start = to - 1;
                while (start > from && (s[start] & 0xC0) == 0x80) start--;
                if (!InSet(s[start..to], set)) break;
                to = start;
            }
        }
        return new TextRef(str.Data, str.Offset + from, to - from);
    }

    private static bool InSet(ReadOnlySpan<byte> ch, ReadOnlySpan<byte> set)
    {
        int i = 0;
        while (i < set.Length)
        {
            int len = Math.Min(CharLength(set[i]), set.Length - i);
            if (set.Slice(i, len).SequenceEqual(ch)) return true;
            i += len;
        }
        return false;
    }

    public static TextRef Upper(KernelContext ctx, TextRef a) => MapCase(ctx, a, upper: true);

    public static TextRef Lower(KernelContext ctx, TextRef a) => MapCase(ctx, a, upper: false);

    private static TextRef MapCase(KernelContext ctx, TextRef a, bool upper)
    {
        var src = a.Span;
        if (Ascii.IsValid(src))
        {
            var r = ctx.Arena.Allocate(src.Length);
            var dst = r.Data.AsSpan(r.Offset, src.Length);
            if (upper) Ascii.ToUpper(src, dst, out _); else Ascii.ToLower(src, dst, out _);
            return r;
        }
        // A mapped code point can change its UTF-8 length; 4 bytes per input byte always suffices.
        var buffer = ctx.Arena.Allocate(src.Length * 4);
        var output = buffer.Data.AsSpan(buffer.Offset, buffer.Length);
        int written = 0;
        while (src.Length > 0)
        {
            if (Rune.DecodeFromUtf8(src, out var rune, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                // Not valid UTF-8 (cannot come from a UTF-8 database): copy the byte.
                output[written++] = src[0];
                src = src[1..];
                continue;
            }
            var mapped = GlibcCaseMap.Map(rune, upper);
            written += mapped.EncodeToUtf8(output[written..]);
            src = src[consumed..];
        }
        return new TextRef(buffer.Data, buffer.Offset, written);
    }

    /// <summary>texticlike: LIKE on lower(text) and lower(pattern), as Generic_Text_IC_like does in a multibyte encoding.</summary>
    public static bool TextILike(KernelContext ctx, TextRef text, TextRef pattern) =>
        LikeMatcher.Match(Lower(ctx, text).Span, Lower(ctx, pattern).Span);

    public static bool TextNotILike(KernelContext ctx, TextRef text, TextRef pattern) => !TextILike(ctx, text, pattern);

    /// <summary>
    /// like_escape(pattern, escape) (like.c), what <c>LIKE ... ESCAPE e</c> calls: the pattern rewritten
    /// to the backslash escape LIKE itself reads. An empty escape doubles every backslash (no escape
    /// at all); an escape of more than one character is 22025; an escape character takes the next
    /// character literally, and a literal backslash is doubled.
    /// </summary>
    public static TextRef LikeEscape(KernelContext ctx, TextRef pattern, TextRef escape)
    {
        var p = pattern.Span;
        var e = escape.Span;
        if (e.Length > 0 && CharLength(e[0]) < e.Length)
            PgErrors.Raise(PgErrors.InvalidEscapeSequence, "invalid escape string");
        if (e.Length == 1 && e[0] == (byte)'\\') return pattern;
        var r = ctx.Arena.Allocate(p.Length * 2);
        var dst = r.Data.AsSpan(r.Offset, p.Length * 2);
        int n = 0;
        bool afterEscape = false;
        while (p.Length > 0)
        {
            int len = Math.Min(p.Length, CharLength(p[0]));
            if (e.Length > 0 && !afterEscape && p[..len].SequenceEqual(e))
            {
                dst[n++] = (byte)'\\';
                afterEscape = true;
            }
            else if (p[0] == (byte)'\\')
            {
                dst[n++] = (byte)'\\';
                if (e.Length == 0 || !afterEscape) dst[n++] = (byte)'\\';
                afterEscape = false;
            }
            else
            {
                p[..len].CopyTo(dst[n..]);
                n += len;
                afterEscape = false;
            }
            p = p[len..];
        }
        return new TextRef(r.Data, r.Offset, n);
    }

    /// <summary>
    /// varchar(value, typmod, explicit) (varchar.c), the length coercion of a cast to varchar(n):
    /// a longer value is cut to n characters; an implicit coercion (an INSERT, not a cast) may cut only
    /// spaces, else 22001.
    /// </summary>
    public static TextRef VarcharTypmod(TextRef value, int typmod, bool isExplicit)
    {
        int maxLength = typmod - 4;
        var s = value.Span;
        if (maxLength < 0 || s.Length <= maxLength) return value;
        int clip = ClipLength(s, maxLength);
        if (!isExplicit && s[clip..].ContainsAnyExcept((byte)' '))
            PgErrors.Raise(PgErrors.StringDataRightTruncation, $"value too long for type character varying({maxLength})");
        return new TextRef(value.Data, value.Offset, clip);
    }

    /// <summary>
    /// bpchar(value, typmod, explicit) (varchar.c), the length coercion of a cast to char(n): a
    /// shorter value is padded with spaces to n characters, a longer one cut as for varchar(n).
    /// </summary>
    public static TextRef BpcharTypmod(KernelContext ctx, TextRef value, int typmod, bool isExplicit)
    {
        int maxLength = typmod - 4;
        var s = value.Span;
        if (maxLength < 0) return value;
        int chars = 0;
        for (int i = 0; i < s.Length; i += CharLength(s[i])) chars++;
        if (chars == maxLength) return value;
        if (chars > maxLength)
        {
            int clip = ClipLength(s, maxLength);
            if (!isExplicit && s[clip..].ContainsAnyExcept((byte)' '))
                PgErrors.Raise(PgErrors.StringDataRightTruncation, $"value too long for type character({maxLength})");
            return new TextRef(value.Data, value.Offset, clip);
        }
        int length = s.Length + (maxLength - chars);
        var r = ctx.Arena.Allocate(length);
        var dst = r.Data.AsSpan(r.Offset, length);
        s.CopyTo(dst);
        dst[s.Length..].Fill((byte)' ');
        return r;
    }

    /// <summary>Bytes of the first <paramref name="chars"/> characters of UTF-8 <paramref name="s"/> (pg_mbcharcliplen).</summary>
    private static int ClipLength(ReadOnlySpan<byte> s, int chars)
    {
        int i = 0;
        for (int n = 0; n < chars && i < s.Length; n++) i += CharLength(s[i]);
        return Math.Min(i, s.Length);
    }
}
