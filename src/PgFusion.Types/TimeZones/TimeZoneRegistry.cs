namespace PgFusion.Types.TimeZones;

/// <summary>
/// The zones this process has read, by the name SHOW TimeZone prints, each under a small id that
/// compiled code takes as a constant argument (a plan compiled for one TimeZone is compiled again
/// when the session changes it: the name is part of the query JSON's settings). A name is what
/// PostgreSQL's pg_tzset accepts: "GMT"; a file under the system tzdata directory, which PostgreSQL
/// on Debian also reads (--with-system-tzdata=/usr/share/zoneinfo); else a POSIX TZ string
/// ("UTC+3", "&lt;+03&gt;-03" from SET TIME ZONE 3). Zones are read once and kept.
/// </summary>
public static class TimeZoneRegistry
{
    /// <summary>The tzdata directory; PGFUSION_TZDIR overrides it (for a PostgreSQL built with another).</summary>
    public static readonly string ZoneDirectory = Environment.GetEnvironmentVariable("PGFUSION_TZDIR") is { Length: > 0 } dir ? dir : "/usr/share/zoneinfo";

    private static readonly object Gate = new();
    private static readonly Dictionary<string, int> Ids = new(StringComparer.Ordinal);
    private static volatile ZoneRules[] _zones = [];

    /// <summary>The zone's id, or null with why it cannot be used (then the caller declines and PostgreSQL computes).</summary>
    public static int? Resolve(string name, out string? reason)
    {
        reason = null;
        lock (Gate)
        {
            if (Ids.TryGetValue(name, out int id)) return id;
            var rules = Load(name, out reason);
            if (rules is null) return null;
            var zones = _zones;
            var grown = new ZoneRules[zones.Length + 1];
            zones.CopyTo(grown, 0);
            grown[^1] = rules;
            _zones = grown;
            Ids[name] = zones.Length;
            return zones.Length;
        }
    }

    public static ZoneRules Get(int id) => _zones[id];

    private static ZoneRules? Load(string name, out string? reason)
    {
        reason = null;
        if (name.Length == 0 || name.Length > 255) { reason = $"time zone \"{name}\" is not a name pg_fusion reads"; return null; }
        if (name == "GMT") return new ZoneRules(name, [], [], [new ZoneType(0, false, "GMT")], false, false, 0);
        if (IsFileName(name))
        {
            string path = Path.Combine(ZoneDirectory, name);
            if (File.Exists(path))
            {
                byte[] bytes;
                try
                {
                    bytes = File.ReadAllBytes(path);
                }
                catch (IOException ex)
                {
                    reason = $"time zone file {path} could not be read ({ex.Message})";
                    return null;
                }
                catch (UnauthorizedAccessException ex)
                {
                    reason = $"time zone file {path} could not be read ({ex.Message})";
                    return null;
                }
                var zone = TzifReader.Read(name, bytes, out string? why);
                if (zone is null) reason = $"time zone file {path}: {why}";
                return zone;
            }
        }
        // PostgreSQL parses a name that is no file as a POSIX TZ string (upper-cased, as SHOW prints it).
        if (name.StartsWith(':') || PosixTz.Rules(name, name) is not { } posix)
        {
            reason = $"time zone \"{name}\" is neither a file under {ZoneDirectory} nor a POSIX TZ string pg_fusion reads";
            return null;
        }
        return posix;
    }

    /// <summary>A relative path of letters, digits and _+-/ without "." parts (never leaves the directory).</summary>
    private static bool IsFileName(string name) =>
        name[0] != '/' && !name.Split('/').Any(part => part is "" or "." or "..")
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '-' or '/' or '.');
}
