using System.Text;
using PgFusion.Codegen.Functions;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// LikePattern (a constant pattern of literal runs and %, compiled to byte searches) against
/// LikeMatcher (like_match.c's MatchText, which kernels run for every other pattern). Texts and
/// patterns are drawn from a small alphabet with repeats, multi-byte characters (2, 3 and 4 bytes,
/// one sharing its lead byte with another) and the pattern's special characters, so overlapping
/// occurrences, empty runs, escapes and prefix/suffix overlaps all occur.
/// </summary>
public sealed class LikePatternTests
{
    private static readonly string[] TextPieces = ["", "a", "aa", "b", "ab", "é", "ê", "€", "😀", "%", "_", "\\", " "];

    private static readonly string[] PatternPieces = ["a", "aa", "b", "é", "ê", "€", "😀", " ", "%", "%", "%%", "\\%", "\\_", "\\\\", "\\a", "\\é"];

    [Fact]
    public void Agrees_with_LikeMatcher_on_random_patterns_and_texts()
    {
        var rnd = new Random(20261202);
        int compiled = 0, matched = 0;
        for (int iteration = 0; iteration < 4000; iteration++)
        {
            string pattern = Draw(rnd, PatternPieces, 5);
            var like = LikePattern.TryCompile(pattern);
            Assert.True(like is not null, $"pattern '{pattern}' (literals, % and escapes only) did not compile");
            compiled++;
            var p = Encoding.UTF8.GetBytes(pattern);
            for (int t = 0; t < 20; t++)
            {
                // half of the texts are the pattern's own literals in place of its wildcards, so many match
                string text = rnd.Next(2) == 0 ? Draw(rnd, TextPieces, 6) : Instantiate(rnd, pattern);
                var bytes = Encoding.UTF8.GetBytes(text);
                bool expected = LikeMatcher.Match(bytes, p);
                if (expected) matched++;
                Assert.True(expected == like!.Matches(bytes), $"'{text}' LIKE '{pattern}': LikeMatcher {expected}");
            }
        }
        Assert.True(matched > compiled, $"only {matched} matching pairs: the draw does not exercise matches");
    }

    [Theory]
    [InlineData("", "", true)]
    [InlineData("a", "", false)]
    [InlineData("", "%", true)]
    [InlineData("abc", "%", true)]
    [InlineData("", "%%", true)]
    [InlineData("abc", "%%%", true)]
    [InlineData("abc", "abc", true)]
    [InlineData("abcd", "abc", false)]
    [InlineData("ab", "abc", false)]
    [InlineData("forest green", "forest%", true)]
    [InlineData("a forest", "forest%", false)]
    [InlineData("LARGE BRASS", "%BRASS", true)]
    [InlineData("BRASS LARGE", "%BRASS", false)]
    [InlineData("aaa", "%aa%aa%", false)]
    [InlineData("aaaa", "%aa%aa%", true)]
    [InlineData("aaa", "aa%aa", false)]
    [InlineData("aaaa", "aa%aa", true)]
    [InlineData("aba", "a%a", true)]
    [InlineData("a", "a%a", false)]
    [InlineData("xx special yy requests zz", "%special%requests%", true)]
    [InlineData("xx requests yy special zz", "%special%requests%", false)]
    [InlineData("specialrequests", "%special%requests%", true)]
    [InlineData("héllo wörld", "%ö%", true)]
    [InlineData("héllo wörld", "h%ö_", false)]
    [InlineData("€😀", "%😀", true)]
    [InlineData("a%b", "a\\%b", true)]
    [InlineData("axb", "a\\%b", false)]
    [InlineData("a_b", "%\\_%", true)]
    [InlineData("ab", "%\\_%", false)]
    [InlineData("a\\b", "a\\\\b", true)]
    [InlineData("ab", "\\a\\b", true)]
    public void Matches_as_LikeMatcher(string text, string pattern, bool expected)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var p = Encoding.UTF8.GetBytes(pattern);
        var like = LikePattern.TryCompile(pattern);
        if (pattern.Contains('_', StringComparison.Ordinal) && !pattern.Contains("\\_", StringComparison.Ordinal))
        {
            Assert.Null(like);
        }
        else
        {
            Assert.NotNull(like);
            Assert.Equal(expected, like.Matches(bytes));
        }
        Assert.Equal(expected, LikeMatcher.Match(bytes, p));
    }

    [Theory]
    [InlineData("a_")]
    [InlineData("%_%")]
    [InlineData("_")]
    [InlineData("\\\\_")]
    [InlineData("%\\")]
    [InlineData("a\\")]
    [InlineData("\\\\\\")]
    public void Declines_underscore_and_a_trailing_escape(string pattern) => Assert.Null(LikePattern.TryCompile(pattern));

    /// <summary>A text built from the pattern: its escapes resolved and each wildcard replaced by a few text pieces.</summary>
    private static string Instantiate(Random rnd, string pattern)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length) sb.Append(pattern[++i]);
            else if (c == '%') sb.Append(Draw(rnd, TextPieces, 2));
            else sb.Append(c);
        }
        // sometimes a character dropped, so near misses occur
        if (sb.Length > 0 && rnd.Next(4) == 0)
        {
            int at = rnd.Next(sb.Length);
            int len = char.IsHighSurrogate(sb[at]) && at + 1 < sb.Length ? 2 : char.IsLowSurrogate(sb[at]) ? 0 : 1;
            sb.Remove(at, len);
        }
        return sb.ToString();
    }

    private static string Draw(Random rnd, string[] pieces, int max)
    {
        var sb = new StringBuilder();
        for (int n = rnd.Next(max + 1); n > 0; n--) sb.Append(pieces[rnd.Next(pieces.Length)]);
        return sb.ToString();
    }
}
