using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PgFusion.TestSupport.Slt;

/// <summary>
/// Reads the .slt format described in tests/sql/README.md. Records are separated by blank lines;
/// results are never written in the file because PostgreSQL with pg_fusion off is the oracle.
/// </summary>
public static partial class SltParser
{
    public static SltScript ParseFile(string path, string? displayName = null)
    {
        var name = displayName ?? path;
        var records = new List<SltRecord>();
        var offload = ParseInto(File.ReadAllText(path), name, Path.GetDirectoryName(Path.GetFullPath(path))!, records, 0);
        return new SltScript(name, offload ?? SltOffload.FallbackOk, records);
    }

    /// <summary>Parses text that is not on disk (tests of the runner); `include` resolves against <paramref name="baseDirectory"/>.</summary>
    public static SltScript Parse(string text, string file = "<inline>", string? baseDirectory = null)
    {
        var records = new List<SltRecord>();
        var offload = ParseInto(text, file, baseDirectory ?? Directory.GetCurrentDirectory(), records, 0);
        return new SltScript(file, offload ?? SltOffload.FallbackOk, records);
    }

    private static SltOffload? ParseInto(string text, string file, string baseDirectory, List<SltRecord> records, int depth)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        SltOffload? fileOffload = null;
        var labels = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        while (i < lines.Length)
        {
            var line = lines[i].TrimEnd();
            var lineNo = i + 1;
            if (line.Length == 0) { i++; continue; }
            if (line.StartsWith('#'))
            {
                var directive = FileDirective().Match(line);
                if (directive.Success)
                {
                    var value = Regex.Replace(directive.Groups[1].Value.Trim().ToLowerInvariant(), @"\s+", " ");
                    fileOffload = value switch
                    {
                        "offload required" => SltOffload.Required,
                        "fallback ok" => SltOffload.FallbackOk,
                        _ => throw new SltParseException(file, lineNo, $"unknown directive '# pgfusion: {value}' (offload required | fallback ok)"),
                    };
                }
                i++;
                continue;
            }

            var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            switch (words[0])
            {
                case "include":
                    if (words.Length != 2) throw new SltParseException(file, lineNo, "include takes one relative path");
                    if (depth > 8) throw new SltParseException(file, lineNo, "include nested too deeply");
                    var included = Path.GetFullPath(Path.Combine(baseDirectory, words[1]));
                    if (!File.Exists(included)) throw new SltParseException(file, lineNo, $"include: {included} not found");
                    // Included files contribute records only; the including file's directives decide offloading.
                    ParseInto(File.ReadAllText(included), $"{file}:{lineNo} > {words[1]}", Path.GetDirectoryName(included)!, records, depth + 1);
                    i++;
                    break;
                case "statement":
                case "query":
                {
                    var header = words;
                    i++;
                    var explainMatch = new List<string>();
                    var explainNotMatch = new List<string>();
                    var explainAnalyzeMatch = new List<string>();
                    while (i < lines.Length && lines[i].StartsWith("explain-", StringComparison.Ordinal))
                    {
                        var (kind, regex) = SplitFirst(lines[i].TrimEnd());
                        if (words[0] != "query") throw new SltParseException(file, i + 1, "explain directives belong to queries");
                        CheckRegex(file, i + 1, regex);
                        if (kind == "explain-match") explainMatch.Add(regex);
                        else if (kind == "explain-not-match") explainNotMatch.Add(regex);
                        else if (kind == "explain-analyze-match") explainAnalyzeMatch.Add(regex);
                        else throw new SltParseException(file, i + 1, $"unknown directive '{kind}' (explain-match | explain-not-match | explain-analyze-match)");
                        i++;
                    }
                    var sql = new StringBuilder();
                    while (i < lines.Length && lines[i].Trim().Length > 0)
                    {
                        if (lines[i].TrimEnd() == "----")
                            throw new SltParseException(file, i + 1, "results are not written in .slt files: PostgreSQL with pg_fusion off is the oracle");
                        sql.Append(lines[i].TrimEnd()).Append('\n');
                        i++;
                    }
                    var body = sql.ToString().TrimEnd();
                    if (body.Length == 0) throw new SltParseException(file, lineNo, $"{words[0]} without SQL");
                    records.Add(words[0] == "statement"
                        ? ParseStatement(file, lineNo, header, body)
                        : ParseQuery(file, lineNo, header, body, explainMatch, explainNotMatch, explainAnalyzeMatch, labels));
                    break;
                }
                default:
                    throw new SltParseException(file, lineNo, $"expected 'statement', 'query', 'include' or a comment, found '{words[0]}'");
            }
        }
        return fileOffload;
    }

    private static SltStatement ParseStatement(string file, int line, string[] words, string sql)
    {
        if (words.Length >= 2 && words[1] == "ok" && words.Length == 2)
            return new SltStatement(file, line, sql, false, null);
        if (words.Length is 2 or 3 && words[1] == "error")
            return new SltStatement(file, line, sql, true, words.Length == 3 ? CheckSqlState(file, line, words[2]) : null);
        throw new SltParseException(file, line, "expected 'statement ok' or 'statement error [SQLSTATE]'");
    }

    private static SltQuery ParseQuery(string file, int line, string[] words, string sql,
        List<string> explainMatch, List<string> explainNotMatch, List<string> explainAnalyzeMatch, HashSet<string> labels)
    {
        if (words.Length < 2) throw new SltParseException(file, line, "query needs column types (e.g. 'query ITR rowsort') or 'error'");
        var expectError = words[1] == "error";
        var types = "";
        string? sqlState = null;
        SltSortMode? sort = null;
        SltOffload? offload = null;
        double? tolerance = null;
        string? label = null;
        var k = 2;
        if (expectError)
        {
            if (k < words.Length && SqlStatePattern().IsMatch(words[k])) sqlState = words[k++];
        }
        else
        {
            types = words[1];
            foreach (var c in types)
                if (!SltColumnTypes.IsValid(c))
                    throw new SltParseException(file, line, $"unknown column type '{c}' in '{types}' (letters: {SltColumnTypes.Letters})");
        }
        for (; k < words.Length; k++)
        {
            switch (words[k])
            {
                case "rowsort": sort = SetOnce(file, line, sort, SltSortMode.RowSort, "sort mode"); break;
                case "nosort": sort = SetOnce(file, line, sort, SltSortMode.NoSort, "sort mode"); break;
                case "fallback-ok": offload = SetOnce(file, line, offload, SltOffload.FallbackOk, "offload mode"); break;
                case "offload": offload = SetOnce(file, line, offload, SltOffload.Required, "offload mode"); break;
                case "tolerance":
                    if (k + 1 >= words.Length || !double.TryParse(words[k + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var tol) || tol < 0)
                        throw new SltParseException(file, line, "tolerance needs a non-negative number, e.g. 'tolerance 1e-9'");
                    tolerance = tol;
                    k++;
                    break;
                default:
                    if (label != null || !LabelPattern().IsMatch(words[k]))
                        throw new SltParseException(file, line, $"unexpected '{words[k]}' in query header");
                    label = words[k];
                    break;
            }
        }
        if (expectError && sort != null) throw new SltParseException(file, line, "query error takes no sort mode");
        if (expectError && tolerance != null) throw new SltParseException(file, line, "query error takes no tolerance");
        if (tolerance != null && !types.Contains('R', StringComparison.Ordinal))
            throw new SltParseException(file, line, "tolerance applies to float (R) columns and this query has none");
        if (sort == SltSortMode.NoSort && !OrderBy().IsMatch(sql))
            throw new SltParseException(file, line, "nosort needs an ORDER BY that fixes a total order; use rowsort otherwise");
        label ??= $"line{line}";
        if (!labels.Add(label)) throw new SltParseException(file, line, $"duplicate label '{label}'");
        return new SltQuery(file, line, sql, types, sort ?? SltSortMode.RowSort, label, expectError, sqlState,
            offload, tolerance, explainMatch, explainNotMatch) { ExplainAnalyzeMatch = explainAnalyzeMatch };
    }

    private static T SetOnce<T>(string file, int line, T? current, T value, string what) where T : struct =>
        current == null ? value : throw new SltParseException(file, line, $"{what} given twice");

    private static string CheckSqlState(string file, int line, string s) =>
        SqlStatePattern().IsMatch(s) ? s : throw new SltParseException(file, line, $"'{s}' is not a SQLSTATE (5 characters, e.g. 22012)");

    private static void CheckRegex(string file, int line, string regex)
    {
        if (regex.Length == 0) throw new SltParseException(file, line, "explain directive without a regex");
        try { _ = new Regex(regex); }
        catch (ArgumentException e) { throw new SltParseException(file, line, $"bad regex: {e.Message}"); }
    }

    private static (string Head, string Tail) SplitFirst(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (line, "") : (line[..space], line[(space + 1)..].Trim());
    }

    [GeneratedRegex(@"^#\s*pgfusion:\s*(.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex FileDirective();

    [GeneratedRegex(@"^[0-9A-Z]{5}$")]
    private static partial Regex SqlStatePattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.\-]*$")]
    private static partial Regex LabelPattern();

    [GeneratedRegex(@"\bORDER\s+BY\b", RegexOptions.IgnoreCase)]
    private static partial Regex OrderBy();
}
