namespace PgFusion.Planner.Json;

/// <summary>
/// The database's encoding and default collation (<c>$.settings</c>: server_encoding, lc_collate,
/// lc_ctype, locale_provider; pg_database's encoding, datcollate, datctype and datlocprovider).
/// The worker reads text as UTF-8, orders it by bytes and maps case as glibc's C.UTF-8 does, so it
/// runs text work only where PostgreSQL computes the same: a UTF8 database, byte order for the
/// default collation ("C", "POSIX" or C.UTF-8 under libc), C.UTF-8's case mapping for upper/lower
/// and ILIKE. An envelope without these members (offline JSON written before they existed; every
/// fixture was captured in a C.UTF-8 database) counts as C.UTF-8.
/// </summary>
public sealed record DatabaseLocale(string? ServerEncoding, string? Collate, string? Ctype, string? Provider)
{
    public static readonly DatabaseLocale Unknown = new(null, null, null, null);

    /// <summary>The collation OID of "default", which stands for the database's LC_COLLATE / LC_CTYPE.</summary>
    public const uint DefaultCollation = 100;

    /// <summary>The database stores text as UTF-8 (pg_fusion decodes nothing else).</summary>
    public bool IsUtf8 => ServerEncoding is null or "UTF8";

    /// <summary>Text under the default collation sorts by its bytes (strcmp), as the worker sorts it.</summary>
    public bool DefaultOrdersByBytes => Collate is null || (Provider != "icu" && (IsC(Collate) || IsCUtf8(Collate)));

    /// <summary>upper/lower under the default collation map case as glibc's C.UTF-8 does (Values/GlibcCaseMap).</summary>
    public bool DefaultMapsCaseAsCUtf8 => Ctype is null || (Provider != "icu" && IsCUtf8(Ctype));

    /// <summary>
    /// Whether text under <paramref name="collation"/> orders by bytes: none (0), "C" (950),
    /// "POSIX" (951), or "default" (100) when the database's collation does.
    /// </summary>
    public bool OrdersByBytes(uint collation) =>
        collation is 0 or 950 or 951 || (collation == DefaultCollation && DefaultOrdersByBytes);

    /// <summary>
    /// Whether upper/lower/ILIKE under <paramref name="collation"/> map case as the worker does:
    /// only "default" under a C.UTF-8 LC_CTYPE ("C" and "POSIX" change ASCII letters only).
    /// </summary>
    public bool MapsCaseAsCUtf8(uint collation) => collation == DefaultCollation && DefaultMapsCaseAsCUtf8;

    private static bool IsC(string locale) => locale is "C" or "POSIX";

    /// <summary>C.UTF-8 as glibc accepts it: C.UTF-8, C.utf8 (the codeset's case and hyphen do not matter).</summary>
    private static bool IsCUtf8(string locale) =>
        locale.StartsWith("C.", StringComparison.Ordinal)
        && locale[2..].Replace("-", "", StringComparison.Ordinal).Equals("utf8", StringComparison.OrdinalIgnoreCase);
}
