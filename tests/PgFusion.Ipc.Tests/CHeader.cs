using System.Globalization;
using System.Text.RegularExpressions;

namespace PgFusion.Ipc.Tests;

/// <summary>
/// Reads native/pg_hooks/pgfusion_ipc.h: its #define constants, enums, and the byte offset of every
/// struct field computed from the declarations with the x86-64 C ABI's natural alignment
/// (the same rules gcc applies), so the C# mirror is checked against the C source, not a copy.
/// </summary>
internal sealed partial class CHeader
{
    private readonly Dictionary<string, long> defines = [];
    private readonly Dictionary<string, (long Size, long Align, List<(string Name, long Offset, long Size)> Fields)> structs = [];

    public CHeader(string path)
    {
        string text = File.ReadAllText(path);
        string code = Comment().Replace(text, " ");
        foreach (Match m in Define().Matches(code))
            defines[m.Groups[1].Value] = Eval(m.Groups[2].Value.Trim());
        foreach (Match m in Enum().Matches(code))
            foreach (Match e in EnumEntry().Matches(m.Groups[2].Value))
                Enums.Add((m.Groups[1].Value, e.Groups[1].Value, long.Parse(e.Groups[2].Value, CultureInfo.InvariantCulture)));
        foreach (Match m in Struct().Matches(code))
            ParseStruct(m.Groups[1].Value, m.Groups[2].Value);
    }

    public List<(string Enum, string Name, long Value)> Enums { get; } = [];

    public long Define(string name) => defines.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"#define {name} not in pgfusion_ipc.h");

    public long SizeOf(string structName) => Find(structName).Size;

    public long OffsetOf(string structName, string field) =>
        Find(structName).Fields.FirstOrDefault(f => f.Name == field) is { Name: not null } f ? f.Offset : throw new KeyNotFoundException($"{structName}.{field} not in pgfusion_ipc.h");

    public IEnumerable<string> FieldNames(string structName) => Find(structName).Fields.Select(f => f.Name);

    private (long Size, long Align, List<(string Name, long Offset, long Size)> Fields) Find(string name) =>
        structs.TryGetValue(name, out var s) ? s : throw new KeyNotFoundException($"struct {name} not in pgfusion_ipc.h");

    private void ParseStruct(string name, string body)
    {
        var fields = new List<(string, long, long)>();
        long offset = 0;
        long maxAlign = 1;
        foreach (Match f in Field().Matches(body))
        {
            string type = f.Groups[1].Value;
            (long size, long align) = type switch
            {
                "uint8_t" or "int8_t" or "char" => (1L, 1L),
                "uint16_t" or "int16_t" => (2, 2),
                "uint32_t" or "int32_t" => (4, 4),
                "uint64_t" or "int64_t" or "double" => (8, 8),
                _ => (Find(type).Size, Find(type).Align),
            };
            long count = f.Groups[3].Success ? Eval(f.Groups[3].Value) : 1;
            offset = (offset + align - 1) / align * align;
            fields.Add((f.Groups[2].Value, offset, size * count));
            offset += size * count;
            maxAlign = Math.Max(maxAlign, align);
        }
        structs[name] = ((offset + maxAlign - 1) / maxAlign * maxAlign, maxAlign, fields);
    }

    /// <summary>Integer expressions of the header: literals (hex, u suffix), names, + - *, parentheses.</summary>
    private long Eval(string expr)
    {
        var tokens = Token().Matches(expr).Select(m => m.Value).ToList();
        int at = 0;
        long result = Sum(tokens, ref at);
        if (at != tokens.Count)
            throw new FormatException($"cannot evaluate '{expr}'");
        return result;
    }

    private long Sum(List<string> t, ref int at)
    {
        long v = Product(t, ref at);
        while (at < t.Count && t[at] is "+" or "-")
        {
            string op = t[at++];
            long r = Product(t, ref at);
            v = op == "+" ? v + r : v - r;
        }
        return v;
    }

    private long Product(List<string> t, ref int at)
    {
        long v = Atom(t, ref at);
        while (at < t.Count && t[at] == "*")
        {
            at++;
            v *= Atom(t, ref at);
        }
        return v;
    }

    private long Atom(List<string> t, ref int at)
    {
        string tok = t[at++];
        if (tok == "(")
        {
            long v = Sum(t, ref at);
            at++; // ')'
            return v;
        }
        string lit = tok.TrimEnd('u', 'U');
        if (lit.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return long.Parse(lit[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if (char.IsDigit(lit[0]))
            return long.Parse(lit, CultureInfo.InvariantCulture);
        return Define(tok);
    }

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"^#define\s+(PGF_\w+)\s+(.+)$", RegexOptions.Multiline)]
    private static partial Regex Define();

    [GeneratedRegex(@"typedef\s+enum\s+(\w+)\s*\{(.*?)\}\s*\1\s*;", RegexOptions.Singleline)]
    private static partial Regex Enum();

    [GeneratedRegex(@"(\w+)\s*=\s*(\d+)")]
    private static partial Regex EnumEntry();

    [GeneratedRegex(@"typedef\s+struct\s+(\w+)\s*\{(.*?)\}\s*\1\s*;", RegexOptions.Singleline)]
    private static partial Regex Struct();

    [GeneratedRegex(@"(\w+)\s+(\w+)\s*(?:\[([^\]]+)\])?\s*;")]
    private static partial Regex Field();

    [GeneratedRegex(@"0[xX][0-9a-fA-F]+[uU]?|\d+[uU]?|\w+|[-+*()]")]
    private static partial Regex Token();
}
