using PgFusion.Codegen.Operators.Join;
using PgFusion.Codegen.Operators.Spill;
using Xunit;
using Xunit.Abstractions;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// The index-probe join's set of distinct keys under a memory budget: past it, the keys it does not
/// hold spill and come back in rounds; every distinct key is sent exactly once (the backend does not
/// deduplicate), the set never holds more than the budget, and the spill files are gone afterwards.
/// </summary>
public sealed class IndexProbeKeySetTests(ITestOutputHelper output)
{
    /// <summary>Keys in a scrambled order with duplicates: <paramref name="rows"/> keys over <paramref name="distinct"/> values, some negative.</summary>
    private static long[] Keys(int rows, int distinct)
    {
        var keys = new long[rows];
        for (int i = 0; i < rows; i++)
        {
            long v = (long)i * 7919 % distinct;
            keys[i] = v % 3 == 0 ? -v * 1_000_003 : v * 65_537;
        }
        new Random(5).Shuffle(keys);
        return keys;
    }

    /// <summary>Runs the keys through a set as the join does: the pending keys of the first pass, then each round.</summary>
    private static (List<List<long>> Sent, long PeakBytes, bool Spilled) Send(long[] keys, SpillSpace spill)
    {
        var context = new PgFusion.Codegen.Operators.ExecutionContext(null!, CancellationToken.None, spill);
        var set = new IndexProbeKeySet(context, null);
        var sent = new List<List<long>>();
        foreach (var k in keys)
        {
            set.Add(k);
            if (set.Pending.Count >= 4096)
            {
                sent.Add([.. set.Pending]);
                set.Pending.Clear();
            }
        }
        sent.Add([.. set.Pending]);
        set.Pending.Clear();
        bool spilled = set.Frozen;
        foreach (var round in set.Rounds(CancellationToken.None))
        {
            sent.Add([.. round]);
            round.Clear();
        }
        return (sent, set.PeakBytes, spilled);
    }

    [Theory]
    [InlineData(200_000, 150_000, 64)] // one level of partitions
    [InlineData(300_000, 250_000, 8)] // partitions spill again (a level deeper)
    [InlineData(50_000, 40, 64)] // few distinct keys: nothing spills
    public void Every_distinct_key_is_sent_once_within_the_budget(int rows, int distinct, int budgetKb)
    {
        var keys = Keys(rows, distinct);
        string dir = Path.Combine(Path.GetTempPath(), "pgfusion-keyset-" + Guid.NewGuid().ToString("N"));
        long budget = budgetKb * 1024L;
        using (var spill = new SpillSpace(dir, budget))
        {
            var (sent, peak, spilled) = Send(keys, spill);
            var all = sent.SelectMany(s => s).ToList();
            Assert.Equal(keys.Distinct().Order(), all.Order());
            Assert.Equal(all.Count, all.Distinct().Count());
            Assert.True(peak <= budget, $"the key set held {peak} bytes with a {budget}-byte budget");
            bool expectSpill = distinct > 1000;
            Assert.Equal(expectSpill, spilled);
            Assert.Equal(expectSpill, spill.ByOperator().Any(e => e.Operator == SpillOperator.IndexProbeKeys && e.Files > 0 && e.Bytes > 0));

            using var unlimited = new SpillSpace(dir, 0);
            var (_, unbudgeted, spilledUnlimited) = Send(keys, unlimited);
            Assert.False(spilledUnlimited);
            output.WriteLine($"{rows} keys, {distinct} distinct: the set held {unbudgeted / 1024} kB without a budget, {peak / 1024} kB with {budgetKb} kB; {spill.FilesCreated} files, {spill.BytesWritten / 1024} kB spilled, {sent.Count} messages/rounds");
        }
        Assert.Empty(Directory.Exists(dir) ? Directory.GetFiles(dir) : []);
    }

    /// <summary>Giving the probe up mid-rounds (too many keys for a probe) stops the rounds and deletes the files.</summary>
    [Fact]
    public void Stopping_drops_the_rounds_and_their_files()
    {
        string dir = Path.Combine(Path.GetTempPath(), "pgfusion-keyset-" + Guid.NewGuid().ToString("N"));
        using var spill = new SpillSpace(dir, 16 * 1024);
        var context = new PgFusion.Codegen.Operators.ExecutionContext(null!, CancellationToken.None, spill);
        var set = new IndexProbeKeySet(context, null);
        foreach (var k in Keys(60_000, 60_000)) set.Add(k);
        Assert.True(set.Frozen);
        set.Pending.Clear();
        int rounds = 0;
        foreach (var round in set.Rounds(CancellationToken.None))
        {
            rounds++;
            set.StopTracking();
        }
        Assert.Equal(1, rounds);
        Assert.Empty(Directory.GetFiles(dir));
    }
}
