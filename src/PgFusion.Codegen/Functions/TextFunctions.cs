using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Values;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// text/varchar/bpchar functions under the C collation (byte order). bpchar compares and measures
/// without trailing spaces (bcTruelen), as bpchareq/bpcharcmp/bpcharlen do.
/// </summary>
public static class TextFunctions
{
    public static bool TextEq(TextRef a, TextRef b) => a.Span.SequenceEqual(b.Span);

    public static bool TextNe(TextRef a, TextRef b) => !a.Span.SequenceEqual(b.Span);

    public static bool TextLt(TextRef a, TextRef b) => a.Span.SequenceCompareTo(b.Span) < 0;

    public static bool TextLe(TextRef a, TextRef b) => a.Span.SequenceCompareTo(b.Span) <= 0;

    public static bool TextGt(TextRef a, TextRef b) => a.Span.SequenceCompareTo(b.Span) > 0;

    public static bool TextGe(TextRef a, TextRef b) => a.Span.SequenceCompareTo(b.Span) >= 0;

    public static int BpcharCmp(TextRef a, TextRef b) =>
        a.Span[..a.TrimmedLength()].SequenceCompareTo(b.Span[..b.TrimmedLength()]);

    public static bool BpcharEq(TextRef a, TextRef b) => a.Span[..a.TrimmedLength()].SequenceEqual(b.Span[..b.TrimmedLength()]);

    public static bool BpcharNe(TextRef a, TextRef b) => !BpcharEq(a, b);

    public static bool BpcharLt(TextRef a, TextRef b) => BpcharCmp(a, b) < 0;

    public static bool BpcharLe(TextRef a, TextRef b) => BpcharCmp(a, b) <= 0;

    public static bool BpcharGt(TextRef a, TextRef b) => BpcharCmp(a, b) > 0;

    public static bool BpcharGe(TextRef a, TextRef b) => BpcharCmp(a, b) >= 0;

    /// <summary>Characters in UTF-8: bytes that are not continuation bytes.</summary>
    public static int TextLen(TextRef a) => CharCount(a.Span);

    public static int BpcharLen(TextRef a) => CharCount(a.Span[..a.TrimmedLength()]);

    public static int OctetLength(TextRef a) => a.Length;

    private static int CharCount(ReadOnlySpan<byte> s)
    {
        int n = 0;
        foreach (byte b in s)
        {
            if ((b & 0xC0) != 0x80) n++;
        }
        return n;
    }

    /// <summary>rtrim of the padding: the bpchar -> text cast.</summary>
    public static TextRef BpcharToText(TextRef a) => a.TrimEnd();

    public static bool TextLike(TextRef text, TextRef pattern) => LikeMatcher.Match(text.Span, pattern.Span);

    public static bool TextNotLike(TextRef text, TextRef pattern) => !LikeMatcher.Match(text.Span, pattern.Span);

    public static TextRef TextCat(KernelContext ctx, TextRef a, TextRef b)
    {
        var r = ctx.Arena.Allocate(a.Length + b.Length);
        a.Span.CopyTo(r.Data.AsSpan(r.Offset));
        b.Span.CopyTo(r.Data.AsSpan(r.Offset + a.Length));
        return r;
    }

    public static TextRef Upper(KernelContext ctx, TextRef a) => MapCase(ctx, a, upper: true);

    public static TextRef Lower(KernelContext ctx, TextRef a) => MapCase(ctx, a, upper: false);

    /// <summary>
    /// ASCII letters map exactly as PostgreSQL does; other characters use .NET's invariant case
    /// mapping, which can differ from glibc's C.UTF-8 tables for a few scripts.
    /// </summary>
    private static TextRef MapCase(KernelContext ctx, TextRef a, bool upper)
    {
        var src = a.Span;
        bool ascii = System.Text.Ascii.IsValid(src);
        if (ascii)
        {
            var r = ctx.Arena.Allocate(src.Length);
            var dst = r.Data.AsSpan(r.Offset, src.Length);
            if (upper) System.Text.Ascii.ToUpper(src, dst, out _); else System.Text.Ascii.ToLower(src, dst, out _);
            return r;
        }
        string s = System.Text.Encoding.UTF8.GetString(src);
        s = upper ? s.ToUpperInvariant() : s.ToLowerInvariant();
        // .NET's invariant mapping leaves these alone (they are Turkish/archaic special cases); glibc's
        // C.UTF-8 tables, which PostgreSQL uses, map them (found by the property tests).
        if (upper) s = s.Replace('\u0131', 'I').Replace('\u017F', 'S'); // ı, ſ
        else s = s.Replace('\u0130', 'i'); // İ
        int len = System.Text.Encoding.UTF8.GetByteCount(s);
        var res = ctx.Arena.Allocate(len);
        System.Text.Encoding.UTF8.GetBytes(s, res.Data.AsSpan(res.Offset, len));
        return res;
    }
}
