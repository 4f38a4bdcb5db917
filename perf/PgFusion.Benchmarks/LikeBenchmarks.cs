using System.Text;
using BenchmarkDotNet.Attributes;
using PgFusion.Codegen.Functions;

namespace PgFusion.Benchmarks;

/// <summary>
/// A constant LIKE pattern over TPC-H-like text, per row: LikeMatcher (the pattern interpreted,
/// like_match.c's MatchText) against LikePattern (compiled to StartsWith / EndsWith / IndexOf).
/// Each method matches every string of its corpus once and returns the count. Corpora of 100,000
/// strings, drawn with a fixed seed from word lists like dbgen's: o_comment (19 to 78 characters of
/// words, ~1% holding "special" then "requests", Q13), p_type (three syllables, Q2's '%BRASS',
/// Q16's 'MEDIUM POLISHED%') and p_name (five colours, Q9's '%green%', Q20's 'forest%').
/// The worker runs with TieredCompilationQuickJit=false, so no dynamic PGO: run with
/// DOTNET_TC_QuickJit=0 to match it (`abn` alternates methods in one process on thread CPU).
/// </summary>
[Config(typeof(QuickConfig))]
public class LikeBenchmarks
{
    private const int Count = 100_000;

    private static readonly string[] CommentWords =
    [
        "furiously", "slyly", "carefully", "blithely", "quickly", "fluffily", "final", "regular", "ironic", "even", "bold",
        "pending", "express", "unusual", "special", "deposits", "requests", "packages", "accounts", "theodolites", "foxes",
        "pinto", "beans", "instructions", "dependencies", "excuses", "platelets", "asymptotes", "sleep", "wake", "cajole",
        "haggle", "nag", "use", "boost", "affix", "detect", "integrate", "about", "above", "according", "to", "across", "after",
        "against", "along", "the", "among", "around", "at", "atop",
    ];

    private static readonly string[] TypeWords1 = ["STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"];
    private static readonly string[] TypeWords2 = ["ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"];
    private static readonly string[] TypeWords3 = ["TIN", "NICKEL", "BRASS", "STEEL", "COPPER"];

    private static readonly string[] Colours =
    [
        "almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched", "blue", "blush", "brown", "burlywood",
        "burnished", "chartreuse", "chiffon", "chocolate", "coral", "cornflower", "cornsilk", "cream", "cyan", "dark", "deep",
        "dim", "dodger", "drab", "firebrick", "floral", "forest", "frosted", "gainsboro", "ghost", "goldenrod", "green", "grey",
        "honeydew", "hot", "indian", "ivory", "khaki", "lace", "lavender", "lawn", "lemon", "light", "lime", "linen", "magenta",
        "maroon", "medium", "metallic", "midnight", "mint", "misty", "moccasin", "navajo", "navy", "olive", "orange", "orchid",
        "pale", "papaya", "peach", "peru", "pink", "plum", "powder", "puff", "purple", "red", "rose", "rosy", "royal", "saddle",
        "salmon", "sandy", "seashell", "sienna", "sky", "slate", "smoke", "snow", "spring", "steel", "tan", "thistle", "tomato",
        "turquoise", "violet", "wheat", "white", "yellow",
    ];

    private byte[][] comments = null!;
    private byte[][] types = null!;
    private byte[][] names = null!;

    private static readonly (string Text, LikePattern Compiled, byte[] Bytes) SpecialRequests = Pattern("%special%requests%");
    private static readonly (string Text, LikePattern Compiled, byte[] Bytes) Brass = Pattern("%BRASS");
    private static readonly (string Text, LikePattern Compiled, byte[] Bytes) MediumPolished = Pattern("MEDIUM POLISHED%");
    private static readonly (string Text, LikePattern Compiled, byte[] Bytes) Green = Pattern("%green%");
    private static readonly (string Text, LikePattern Compiled, byte[] Bytes) Forest = Pattern("forest%");

    private static (string, LikePattern, byte[]) Pattern(string p) =>
        (p, LikePattern.TryCompile(p) ?? throw new InvalidOperationException($"{p} does not compile"), Encoding.UTF8.GetBytes(p));

    [GlobalSetup]
    public void Setup()
    {
        var rnd = new Random(20261202);
        comments = new byte[Count][];
        types = new byte[Count][];
        names = new byte[Count][];
        var sb = new StringBuilder();
        for (int i = 0; i < Count; i++)
        {
            int length = rnd.Next(19, 79);
            sb.Clear();
            while (sb.Length < length) sb.Append(CommentWords[rnd.Next(CommentWords.Length)]).Append(' ');
            comments[i] = Encoding.UTF8.GetBytes(sb.ToString(0, length));
            types[i] = Encoding.UTF8.GetBytes($"{TypeWords1[rnd.Next(6)]} {TypeWords2[rnd.Next(5)]} {TypeWords3[rnd.Next(5)]}");
            sb.Clear();
            for (int w = 0; w < 5; w++) sb.Append(w == 0 ? "" : " ").Append(Colours[rnd.Next(Colours.Length)]);
            names[i] = Encoding.UTF8.GetBytes(sb.ToString());
        }
        // both matchers must agree on every string (the benchmark compares equal work)
        foreach (var (corpus, p) in new[] { (comments, SpecialRequests), (types, Brass), (types, MediumPolished), (names, Green), (names, Forest) })
        {
            if (Old(corpus, p.Bytes) != New(corpus, p.Compiled))
                throw new InvalidOperationException($"LikeMatcher and LikePattern disagree on {p.Text}");
        }
    }

    private static int Old(byte[][] corpus, byte[] pattern)
    {
        int n = 0;
        foreach (var s in corpus)
        {
            if (LikeMatcher.Match(s, pattern)) n++;
        }
        return n;
    }

    private static int New(byte[][] corpus, LikePattern pattern)
    {
        int n = 0;
        foreach (var s in corpus)
        {
            if (pattern.Matches(s)) n++;
        }
        return n;
    }

    [Benchmark(Baseline = true)]
    public int OldSpecialRequests() => Old(comments, SpecialRequests.Bytes);

    [Benchmark]
    public int NewSpecialRequests() => New(comments, SpecialRequests.Compiled);

    [Benchmark]
    public int OldBrass() => Old(types, Brass.Bytes);

    [Benchmark]
    public int NewBrass() => New(types, Brass.Compiled);

    [Benchmark]
    public int OldMediumPolished() => Old(types, MediumPolished.Bytes);

    [Benchmark]
    public int NewMediumPolished() => New(types, MediumPolished.Compiled);

    [Benchmark]
    public int OldGreen() => Old(names, Green.Bytes);

    [Benchmark]
    public int NewGreen() => New(names, Green.Compiled);

    [Benchmark]
    public int OldForest() => Old(names, Forest.Bytes);

    [Benchmark]
    public int NewForest() => New(names, Forest.Compiled);
}
