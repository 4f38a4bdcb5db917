using PgFusion.Codegen.Values;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// LIKE with the default escape '\' as utils/adt/like_match.c's MatchText does it for UTF-8:
/// literal bytes compare byte by byte, '_' skips one whole character, '%' backtracks.
/// </summary>
public static class LikeMatcher
{
    private const int True = 1, False = 0, Abort = -1;

    public static bool Match(ReadOnlySpan<byte> text, ReadOnlySpan<byte> pattern) => MatchText(text, pattern) == True;

    private static int CharLength(byte lead) => lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;

    private static ReadOnlySpan<byte> NextChar(ReadOnlySpan<byte> s) => s[Math.Min(s.Length, CharLength(s[0]))..];

    private static void EscapeAtEnd() =>
        PgErrors.Raise(PgErrors.InvalidEscapeSequence, "LIKE pattern must not end with escape character");

    private static int MatchText(ReadOnlySpan<byte> t, ReadOnlySpan<byte> p)
    {
        if (p.Length == 1 && p[0] == (byte)'%') return True;
        while (t.Length > 0 && p.Length > 0)
        {
            if (p[0] == (byte)'\\')
            {
                p = p[1..];
                if (p.Length == 0) EscapeAtEnd();
                if (p[0] != t[0]) return False;
            }
            else if (p[0] == (byte)'%')
            {
                p = p[1..];
                while (p.Length > 0)
                {
                    if (p[0] == (byte)'%')
                    {
                        p = p[1..];
                    }
                    else if (p[0] == (byte)'_')
                    {
                        if (t.Length == 0) return Abort;
                        t = NextChar(t);
                        p = p[1..];
                    }
                    else
                    {
                        break;
                    }
                }
                if (p.Length == 0) return True;
                byte first;
                if (p[0] == (byte)'\\')
                {
                    if (p.Length < 2) EscapeAtEnd();
                    first = p[1];
                }
                else
                {
                    first = p[0];
                }
                while (t.Length > 0)
                {
                    if (t[0] == first)
                    {
                        int r = MatchText(t, p);
                        if (r != False) return r;
                    }
                    t = NextChar(t);
                }
                return Abort;
            }
            else if (p[0] == (byte)'_')
            {
                t = NextChar(t);
                p = p[1..];
                continue;
            }
            else if (p[0] != t[0])
            {
                return False;
            }
            t = t[1..];
            p = p[1..];
        }
        if (t.Length > 0) return False;
        while (p.Length > 0 && p[0] == (byte)'%') p = p[1..];
        return p.Length == 0 ? True : Abort;
    }
}
