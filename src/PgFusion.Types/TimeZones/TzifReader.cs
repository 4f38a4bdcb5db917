using System.Buffers.Binary;
using System.Text;

namespace PgFusion.Types.TimeZones;

/// <summary>
/// Reads a TZif file (RFC 8536, versions 1-4) into <see cref="ZoneRules"/> the way PostgreSQL's
/// localtime.c tzloadbody does: the 64-bit data block when there is one, then the transitions of
/// the POSIX TZ footer appended after the file's last transition (so far-future times follow the
/// footer rule), then goback / goahead and the type for times before the first transition.
/// Returns null (with a reason) for what PostgreSQL would not load or we do not handle: leap
/// seconds, a malformed file.
/// </summary>
public static class TzifReader
{
    /// <summary>tzfile.h TZ_MAX_TYPES and TZ_MAX_CHARS as PostgreSQL compiles them.</summary>
    private const int MaxTypes = 256;
    private const int MaxChars = 50;

    private readonly record struct Header(int IsUtCount, int IsStdCount, int LeapCount, int TimeCount, int TypeCount, int CharCount)
    {
        public int DataLength(int timeSize) =>
            (TimeCount * timeSize) + TimeCount + (TypeCount * 6) + CharCount + (LeapCount * (timeSize + 4)) + IsStdCount + IsUtCount;
    }

    public static ZoneRules? Read(string name, ReadOnlySpan<byte> file, out string? reason)
    {
        reason = null;
        if (!ReadHeader(file, out var header, out char version)) { reason = "not a TZif file"; return null; }
        int timeSize = 4;
        var data = file[44..];
        if (version >= '2')
        {
            int skip = header.DataLength(4);
            if (data.Length < skip || !ReadHeader(data[skip..], out header, out _)) { reason = "truncated TZif file"; return null; }
            data = data[(skip + 44)..];
            timeSize = 8;
        }
        if (header.LeapCount != 0) { reason = "the zone has leap seconds"; return null; }
        if (header.TypeCount == 0 || header.TypeCount > MaxTypes || header.TimeCount > ZoneRules.MaxTimes || header.CharCount > MaxChars
            || data.Length < header.DataLength(timeSize))
        {
            reason = "malformed TZif file";
            return null;
        }

        var ats = new List<long>(header.TimeCount);
        var types = new List<byte>(header.TimeCount);
        var times = data[..(header.TimeCount * timeSize)];
        var typeIndexes = data.Slice(header.TimeCount * timeSize, header.TimeCount);
        for (int i = 0; i < header.TimeCount; i++)
        {
            long at = timeSize == 8 ? BinaryPrimitives.ReadInt64BigEndian(times[(i * 8)..]) : BinaryPrimitives.ReadInt32BigEndian(times[(i * 4)..]);
            if (typeIndexes[i] >= header.TypeCount) { reason = "malformed TZif file"; return null; }
            if (ats.Count > 0 && at <= ats[^1])
            {
                if (at < ats[^1]) { reason = "TZif transitions out of order"; return null; }
                ats.RemoveAt(ats.Count - 1); // a repeated time: the later entry wins
                types.RemoveAt(types.Count - 1);
            }
            ats.Add(at);
            types.Add(typeIndexes[i]);
        }
        var ttinfo = data.Slice(header.TimeCount * (timeSize + 1), header.TypeCount * 6);
        var chars = data.Slice((header.TimeCount * (timeSize + 1)) + (header.TypeCount * 6), header.CharCount);
        var ttis = new List<ZoneType>(header.TypeCount);
        for (int i = 0; i < header.TypeCount; i++)
        {
            var t = ttinfo[(i * 6)..];
            int utOffset = BinaryPrimitives.ReadInt32BigEndian(t);
            int index = t[5];
            if (t[4] > 1 || index >= header.CharCount) { reason = "malformed TZif file"; return null; }
            int end = chars[index..].IndexOf((byte)0);
            ttis.Add(new ZoneType(utOffset, t[4] == 1, Encoding.ASCII.GetString(end < 0 ? chars[index..] : chars.Slice(index, end))));
        }

        if (version >= '2') AppendFooter(data[header.DataLength(8)..], ats, types, ttis, Encoding.ASCII.GetString(chars));

        var atArray = ats.ToArray();
        var typeArray = types.ToArray();
        var ttiArray = ttis.ToArray();
        var (goBack, goAhead) = ZoneRules.RepeatFlags(atArray, typeArray, ttiArray);
        return new ZoneRules(name, atArray, typeArray, ttiArray, goBack, goAhead, DefaultType(typeArray, ttiArray));
    }

    private static bool ReadHeader(ReadOnlySpan<byte> file, out Header header, out char version)
    {
        header = default;
        version = '\0';
        if (file.Length < 44 || !file[..4].SequenceEqual("TZif"u8)) return false;
        version = (char)file[4];
        Span<int> counts = stackalloc int[6];
        for (int i = 0; i < 6; i++) counts[i] = BinaryPrimitives.ReadInt32BigEndian(file[(20 + (i * 4))..]);
        header = new Header(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]);
        return header.IsUtCount >= 0 && header.IsStdCount >= 0 && header.LeapCount >= 0 && header.TimeCount >= 0
            && header.TypeCount >= 0 && header.CharCount >= 0;
    }

    /// <summary>
    /// The footer "\n&lt;TZ string&gt;\n": its transitions after the file's last one are appended
    /// (trailing no-op transitions dropped first), as tzloadbody does when the footer parses and its
    /// abbreviations fit the zone's character table.
    /// </summary>
    private static void AppendFooter(ReadOnlySpan<byte> rest, List<long> ats, List<byte> types, List<ZoneType> ttis, string fileChars)
    {
        if (rest.Length < 2 || rest[0] != (byte)'\n') return;
        int end = rest[1..].IndexOf((byte)'\n');
        if (end <= 0 || ttis.Count + 2 > MaxTypes) return;
        if (PosixTz.Parse(Encoding.ASCII.GetString(rest.Slice(1, end))) is not var (footerTypes, footerAts, footerTypeOf, _)) return;
        if (!AbbreviationsFit(footerTypes, fileChars)) return;
        while (types.Count > 1 && types[^1] == types[^2])
        {
            ats.RemoveAt(ats.Count - 1);
            types.RemoveAt(types.Count - 1);
        }
        int first = ttis.Count;
        int i = 0;
        while (i < footerAts.Length && ats.Count > 0 && ats[^1] >= footerAts[i]) i++;
        for (; i < footerAts.Length && ats.Count < ZoneRules.MaxTimes; i++)
        {
            ats.Add(footerAts[i]);
            types.Add((byte)(first + footerTypeOf[i]));
        }
        ttis.AddRange(footerTypes);
    }

    /// <summary>tzloadbody reuses an abbreviation found in the table (at any offset) or adds it while the table stays under TZ_MAX_CHARS.</summary>
    private static bool AbbreviationsFit(ZoneType[] footerTypes, string fileChars)
    {
        var table = new StringBuilder(fileChars);
        foreach (var type in footerTypes)
        {
            string current = table.ToString();
            bool found = false;
            for (int j = 0; j < current.Length && !found; j++)
            {
                int z = current.IndexOf('\0', j);
                found = (z < 0 ? current[j..] : current[j..z]) == type.Abbreviation;
            }
            if (found) continue;
            if (current.Length + type.Abbreviation.Length >= MaxChars) return false;
            table.Append(type.Abbreviation).Append('\0');
        }
        return true;
    }

    /// <summary>
    /// tzloadbody's sp->defaulttype: type 0 when no transition uses it; else, when the first
    /// transition is to DST, the closest standard type below it; else the first standard type, else 0.
    /// </summary>
    private static int DefaultType(byte[] types, ZoneType[] ttis)
    {
        int i = Array.IndexOf(types, (byte)0) < 0 ? 0 : -1;
        if (i < 0 && types.Length > 0 && ttis[types[0]].IsDst)
        {
            i = types[0];
            while (--i >= 0)
                if (!ttis[i].IsDst) break;
        }
        if (i < 0)
        {
            i = 0;
            while (ttis[i].IsDst)
                if (++i >= ttis.Length) { i = 0; break; }
        }
        return i;
    }
}
