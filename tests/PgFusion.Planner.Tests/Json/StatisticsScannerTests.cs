using System.Text;
using PgFusion.Planner.Json;
using PgFusion.TestSupport.Slt;
using Xunit;

namespace PgFusion.Planner.Tests.Json;

/// <summary>
/// The structural scan that cuts the "stats" arrays out of the envelope finds exactly what the
/// validating reader pass finds (same cuts, same entries with attnum, bytes and path) on every
/// TPC-H query tree and every stored fixture; what it leaves unvalidated still raises a typed
/// error with its path when it is read, and input it cannot follow goes to the reader pass.
/// </summary>
public sealed class StatisticsScannerTests
{
    public static TheoryData<string> Envelopes
    {
        get
        {
            string root = SltCorpus.RepositoryRoot();
            var files = Directory.GetFiles(Path.Combine(root, "perf", "tpch-json"), "*.json")
                .Concat(Directory.GetFiles(Path.Combine(root, "tests", "PgFusion.Planner.Tests", "Fixtures"), "*.json"))
                .Select(f => Path.GetRelativePath(root, f))
                .Order(StringComparer.Ordinal);
            return [.. files];
        }
    }

    [Theory]
    [MemberData(nameof(Envelopes))]
    public void Scan_finds_what_the_reader_pass_finds(string file)
    {
        byte[] json = File.ReadAllBytes(Path.Combine(SltCorpus.RepositoryRoot(), file));
        var scanned = new Dictionary<int, List<StatisticsExtractor.Entry>>();
        var read = new Dictionary<int, List<StatisticsExtractor.Entry>>();
        var scanCuts = StatisticsScanner.Scan(json, scanned);
        var readCuts = StatisticsExtractor.ReadCuts(json, read);
        Assert.NotNull(scanCuts);
        Assert.NotNull(readCuts);
        Assert.Equal(readCuts, scanCuts);
        Assert.Equal(read.Keys.Order(), scanned.Keys.Order());
        foreach (var (relation, entries) in read)
        {
            var other = scanned[relation];
            Assert.Equal(entries.Count, other.Count);
            for (int i = 0; i < entries.Count; i++)
            {
                Assert.Equal(entries[i].AttNum, other[i].AttNum);
                Assert.Equal(entries[i].Json, other[i].Json);
                Assert.Equal(entries[i].Path().ToString(), other[i].Path().ToString());
            }
        }
    }

    private static string Envelope(string stats) =>
        "{\"version\": 1, \"query\": {\"node\": \"QUERY\"}, \"relations\": [{\"relid\": 1, \"stats\": " + stats + ", \"name\": \"t\"}], \"x\": [1, {\"y\": \"]}\\\"\"}]}";

    [Fact]
    public void Entries_keep_their_bytes_attnum_and_path()
    {
        byte[] json = Encoding.UTF8.GetBytes(Envelope("[{\"attnum\": 2, \"histogram\": [\"a]\", \"b\\\"}\"]}, {\"null_frac\": 0.5, \"attnum\": 1}]"));
        var scanned = new Dictionary<int, List<StatisticsExtractor.Entry>>();
        var cuts = StatisticsScanner.Scan(json, scanned);
        Assert.NotNull(cuts);
        var read = new Dictionary<int, List<StatisticsExtractor.Entry>>();
        Assert.Equal(StatisticsExtractor.ReadCuts(json, read), cuts);
        Assert.Equal(new[] { 2, 1 }, scanned[0].Select(e => e.AttNum));
        Assert.Equal("$.relations[0].stats[1]", scanned[0][1].Path().ToString());
        Assert.Equal(read[0].Select(e => Encoding.UTF8.GetString(e.Json)), scanned[0].Select(e => Encoding.UTF8.GetString(e.Json)));
    }

    [Theory]
    [InlineData("[{\"attnum\": 1, \"attnum\": 2}]")] // repeated attnum
    [InlineData("[{\"n_distinct\": 1}]")] // no attnum
    [InlineData("[{\"attnum\": \"1\"}]")] // not an integer
    [InlineData("[1]")] // not an object
    [InlineData("[{\"att\\u006eum\": 1}]")] // escaped name
    [InlineData("[{\"attnum\": 1}")] // unbalanced
    public void Input_it_cannot_follow_goes_to_the_reader_pass(string stats)
    {
        byte[] json = Encoding.UTF8.GetBytes(Envelope(stats));
        Assert.Null(StatisticsScanner.Scan(json, []));
    }

    [Fact]
    public void A_malformed_entry_raises_a_typed_error_naming_its_path_when_read()
    {
        byte[] json = Encoding.UTF8.GetBytes(Envelope("[{\"attnum\": 1, \"mcv_freqs\": [0.5 0.5]}]"));
        var scanned = new Dictionary<int, List<StatisticsExtractor.Entry>>();
        Assert.NotNull(StatisticsScanner.Scan(json, scanned));
        var statistics = new DeferredStatistics();
        var entry = scanned[0][0];
        statistics.Add(entry.AttNum, entry.Json, entry.Path());
        var e = Assert.Throws<QueryJsonException>(() => statistics.TryGetValue(1, out _));
        Assert.Contains("$.relations[0].stats[0]", e.Message, StringComparison.Ordinal);
        Assert.Contains("malformed JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Envelopes_with_the_same_entry_bytes_share_one_decode_and_changed_bytes_decode_anew()
    {
        // a null_frac no other test uses, so that the shared store holds nothing for these bytes yet
        string entry = "{\"attnum\": 1, \"null_frac\": 0.123456789, \"n_distinct\": -0.5, \"mcv_values\": [\"a\", \"b\"], \"mcv_freqs\": [0.25, 0.125]}";
        string changed = entry.Replace("-0.5", "-0.25", StringComparison.Ordinal).Replace("0.125]", "0.0625]", StringComparison.Ordinal);
        ColumnStatistics Read(string stats, string relationName)
        {
            byte[] json = Encoding.UTF8.GetBytes(Envelope(stats).Replace("\"t\"", "\"" + relationName + "\"", StringComparison.Ordinal));
            var scanned = new Dictionary<int, List<StatisticsExtractor.Entry>>();
            Assert.NotNull(StatisticsScanner.Scan(json, scanned));
            var statistics = new DeferredStatistics();
            foreach (var e in scanned[0]) statistics.Add(e.AttNum, e.Text, e.Path());
            Assert.True(statistics.TryGetValue(1, out var decoded));
            return decoded;
        }
        var first = Read("[" + entry + "]", "t");
        var again = Read("[{\"attnum\": 2}, " + entry + "]", "u"); // same bytes, another place in another envelope
        Assert.Same(first, again);
        var other = Read("[" + changed + "]", "t");
        Assert.NotSame(first, other);
        Assert.Equal(-0.5, first.NDistinct);
        Assert.Equal(-0.25, other.NDistinct);
        Assert.Equal(new[] { 0.25, 0.0625 }, other.McvFreqs);
        Assert.Equal(new[] { 0.25, 0.125 }, first.McvFreqs);
        Assert.Equal(new[] { "a", "b" }, other.McvValues);
    }

    [Fact]
    public void A_shared_malformed_entry_raises_with_each_envelopes_own_path()
    {
        string bad = "{\"attnum\": 1, \"mcv_freqs\": [0.75 0.25]}";
        foreach (var (stats, path) in new[] { ("[" + bad + "]", "$.relations[0].stats[0]"), ("[{\"attnum\": 2}, " + bad + "]", "$.relations[0].stats[1]"), ("[" + bad + "]", "$.relations[0].stats[0]") })
        {
            byte[] json = Encoding.UTF8.GetBytes(Envelope(stats));
            var scanned = new Dictionary<int, List<StatisticsExtractor.Entry>>();
            Assert.NotNull(StatisticsScanner.Scan(json, scanned));
            var statistics = new DeferredStatistics();
            foreach (var e in scanned[0]) statistics.Add(e.AttNum, e.Text, e.Path());
            var error = Assert.Throws<QueryJsonException>(() => statistics.TryGetValue(1, out _));
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
            Assert.Contains("malformed JSON", error.Message, StringComparison.Ordinal);
        }
    }
}
