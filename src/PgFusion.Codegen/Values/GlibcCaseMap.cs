using System.Runtime.InteropServices;
using System.Text;

namespace PgFusion.Codegen.Values;

/// <summary>
/// upper()/lower() of non-ASCII characters as PostgreSQL computes them under a C.UTF-8 LC_CTYPE:
/// glibc's towupper/towlower per code point. The Unicode tables of glibc and .NET differ in
/// version and in a few special cases (U+0130, U+0131, U+017F), so the mapping is read once from
/// the same glibc the server uses; only code points that change are kept. Where glibc's C.UTF-8
/// locale is unavailable, .NET's invariant simple case mapping is the fallback.
/// </summary>
internal static partial class GlibcCaseMap
{
    private const int LcCtypeMask = 1; // 1 << LC_CTYPE, LC_CTYPE = 0 in glibc
    private static readonly Lazy<(Dictionary<int, int> Upper, Dictionary<int, int> Lower)?> Tables = new(Load);

    public static Rune Map(Rune r, bool upper)
    {
        if (r.IsAscii) return upper ? Rune.ToUpperInvariant(r) : Rune.ToLowerInvariant(r);
        if (Tables.Value is { } t)
            return (upper ? t.Upper : t.Lower).TryGetValue(r.Value, out int m) ? new Rune(m) : r;
        return upper ? Rune.ToUpperInvariant(r) : Rune.ToLowerInvariant(r);
    }

    private static (Dictionary<int, int>, Dictionary<int, int>)? Load()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            nint locale = NewLocale(LcCtypeMask, "C.UTF-8", 0);
            if (locale == 0) return null;
            var upper = new Dictionary<int, int>();
            var lower = new Dictionary<int, int>();
            for (int cp = 0x80; cp <= 0x10FFFF; cp++)
            {
                if (cp is >= 0xD800 and <= 0xDFFF) continue;
                int u = (int)TowUpper((uint)cp, locale), l = (int)TowLower((uint)cp, locale);
                if (u != cp && Rune.IsValid(u)) upper[cp] = u;
                if (l != cp && Rune.IsValid(l)) lower[cp] = l;
            }
            return (upper, lower);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "newlocale", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint NewLocale(int mask, string locale, nint baseLocale);

    [LibraryImport("libc.so.6", EntryPoint = "towupper_l")]
    private static partial uint TowUpper(uint wc, nint locale);

    [LibraryImport("libc.so.6", EntryPoint = "towlower_l")]
    private static partial uint TowLower(uint wc, nint locale);
}
