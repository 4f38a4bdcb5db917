using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using PgFusion.Codegen;

namespace PgFusion.Worker;

/// <summary>
/// Compiled plans by canonical key (the query JSON without "location" fields: the same query
/// text with different whitespace or position hits), plus the plan handles backends execute.
/// Unsupported answers are cached too. Handles are never reused; plans stay while the worker
/// runs (a backend's cached PlannedStmt may execute its handle at any later time).
/// </summary>
internal sealed partial class PlanCache
{
    private readonly ConcurrentDictionary<string, CacheEntry> byKey = new();
    private readonly ConcurrentDictionary<ulong, CompiledQuery> byHandle = new();
    private long nextHandle;

    public const int MaxEntries = 4096;

    internal sealed record CacheEntry(ulong Handle, CompiledQuery? Query, string? UnsupportedReason, double EstimatedRows);

    public static string CanonicalKey(ReadOnlySpan<byte> json) => Location().Replace(Encoding.UTF8.GetString(json), "");

    public bool TryGet(string key, out CacheEntry entry) => byKey.TryGetValue(key, out entry!);

    public CacheEntry AddCompiled(string? key, CompiledQuery query, double rows)
    {
        ulong handle = (ulong)Interlocked.Increment(ref nextHandle);
        byHandle[handle] = query;
        var entry = new CacheEntry(handle, query, null, rows);
        if (key is not null && byKey.Count < MaxEntries)
            byKey[key] = entry;
        return entry;
    }

    public void AddUnsupported(string key, string reason)
    {
        if (byKey.Count < MaxEntries)
            byKey[key] = new CacheEntry(0, null, reason, 0);
    }

    public CompiledQuery? Find(ulong handle) => byHandle.TryGetValue(handle, out var q) ? q : null;

    [GeneratedRegex("""
        ,"location":-?[0-9]+
        """)]
    private static partial Regex Location();
}
