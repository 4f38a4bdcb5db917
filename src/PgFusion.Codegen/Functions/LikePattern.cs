using System.Text;
using PgFusion.Codegen.Values;

namespace PgFusion.Codegen.Functions;

/// <summary>
/// A constant LIKE pattern made only of literal runs and <c>%</c> (no <c>_</c>), compiled once into
/// byte searches: <c>'abc%'</c> is StartsWith, <c>'%abc'</c> EndsWith, <c>'%a%b%'</c> successive
/// IndexOf (vectorized) over the text's bytes, a pattern without <c>%</c> byte equality (TPC-H Q13's
/// <c>'%special%requests%'</c>, Q2's <c>'%BRASS'</c>, Q9's <c>'%green%'</c>, Q16's, Q20's).
/// <para>
/// Exact for <see cref="LikeMatcher"/> (like_match.c's MatchText) on UTF-8: text matches
/// <c>P%M1%...%Mk%S</c> exactly when it starts with P, ends with S, and holds M1..Mk in order, without
/// overlap, between them; the leftmost occurrence of each Mi leaves the most room for the rest, so the
/// greedy search decides it. The literals are whole UTF-8 characters (a run starts at the pattern's
/// start or after an ASCII <c>%</c>), and a valid UTF-8 sequence that starts with a lead byte occurs in
/// valid UTF-8 text only at a character boundary, so the byte searches find exactly the character-
/// aligned matches MatchText tries. An escaped character (<c>\%</c>, <c>\_</c>, <c>\\</c>, <c>\x</c>) is a
/// literal; <c>LIKE ... ESCAPE e</c> arrives here already rewritten to backslashes by like_escape, folded
/// at plan time. LIKE compares bytes under every deterministic collation, so the collation does
/// not matter (the binder admits <c>~~</c> under any; case-insensitive ILIKE keeps its own path).
/// </para>
/// <see cref="TryCompile"/> declines (null: the caller keeps <see cref="LikeMatcher"/>) a pattern with
/// an unescaped <c>_</c>, or one that ends with an unpaired escape character, which MatchText
/// rejects with 22025 only when it reaches it.
/// </summary>
public sealed class LikePattern
{
    private enum Shape : byte
    {
        /// <summary>No %: byte equality with <see cref="prefix"/>.</summary>
        Equal,

        /// <summary>Only %s: every text.</summary>
        Any,

        /// <summary><c>P%</c>.</summary>
        StartsWith,

        /// <summary><c>%S</c>.</summary>
        EndsWith,

        /// <summary><c>%M%</c>: one middle.</summary>
        Contains,

        /// <summary>Anything else: <c>P%M1%...%Mk%S</c>.</summary>
        General,
    }

    private readonly Shape shape;
    private readonly byte[] prefix;
    private readonly byte[] suffix;
    private readonly byte[][] middles;
    private readonly int minLength;

    private LikePattern(string pattern, byte[] prefix, byte[] suffix, byte[][] middles, bool hasPercent)
    {
        Pattern = pattern;
        this.prefix = prefix;
        this.suffix = suffix;
        this.middles = middles;
        minLength = prefix.Length + suffix.Length + middles.Sum(m => m.Length);
        shape = (hasPercent, prefix.Length, middles.Length, suffix.Length) switch
        {
            (false, _, _, _) => Shape.Equal,
            (true, 0, 0, 0) => Shape.Any,
            (true, > 0, 0, 0) => Shape.StartsWith,
            (true, 0, 0, > 0) => Shape.EndsWith,
            (true, 0, 1, 0) => Shape.Contains,
            _ => Shape.General,
        };
    }

    /// <summary>The pattern as written (after like_escape): the C# dump re-creates the matcher from it.</summary>
    public string Pattern { get; }

    /// <summary>The compiled pattern, or null when it holds <c>_</c> or ends with an unpaired escape character.</summary>
    public static LikePattern? TryCompile(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var p = Encoding.UTF8.GetBytes(pattern);
        var runs = new List<byte[]>();
        var run = new List<byte>();
        bool hasPercent = false;
        for (int i = 0; i < p.Length; i++)
        {
            byte b = p[i];
            if (b == (byte)'\\')
            {
                if (++i == p.Length) return null;
                run.Add(p[i]);
            }
            else if (b == (byte)'_')
            {
                return null;
            }
            else if (b == (byte)'%')
            {
                hasPercent = true;
                runs.Add([.. run]);
                run.Clear();
            }
            else
            {
                run.Add(b);
            }
        }
        runs.Add([.. run]);
        // runs: the literal before the first %, those between, and the one after the last (empty
        // between adjacent %s, which the search skips)
        if (!hasPercent) return new LikePattern(pattern, runs[0], [], [], false);
        var middles = runs.Skip(1).Take(runs.Count - 2).Where(m => m.Length > 0).ToArray();
        return new LikePattern(pattern, runs[0], runs[^1], middles, true);
    }

    /// <summary>textlike: whether <paramref name="text"/> matches; textnlike is its negation.</summary>
    public bool Matches(TextRef text) => Matches(text.Span);

    public bool Matches(ReadOnlySpan<byte> t)
    {
        switch (shape)
        {
            case Shape.Equal: return t.SequenceEqual(prefix);
            case Shape.Any: return true;
            case Shape.StartsWith: return t.StartsWith(prefix);
            case Shape.EndsWith: return t.EndsWith(suffix);
            case Shape.Contains: return t.IndexOf(middles[0]) >= 0;
        }
        if (t.Length < minLength || !t.StartsWith(prefix) || !t.EndsWith(suffix)) return false;
        t = t[prefix.Length..^suffix.Length];
        foreach (var m in middles)
        {
            int at = t.IndexOf(m);
            if (at < 0) return false;
            t = t[(at + m.Length)..];
        }
        return true;
    }
}
