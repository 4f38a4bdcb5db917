using PgFusion.HeapDecoder.Tuple;
using Xunit;

namespace PgFusion.HeapDecoder.Tests;

/// <summary>
/// WalkWarmup's schedule and switch rule on their own (which copy of the page loop runs never
/// changes the decoded values: both are the same loop, and DecodePathTests checks those against
/// PostgreSQL with the warm-up running).
/// </summary>
public sealed class WalkWarmupTests
{
    [Fact]
    public void OnePageInTieredEveryGoesToTheTieredCopyAndTwoAreTimed()
    {
        var w = new WalkWarmup();
        var tiered = new List<int>();
        var timed = new List<int>();
        for (int p = 0; p < 2 * WalkWarmup.TieredEvery; p++)
        {
            if (w.NextIsTiered(out bool t)) tiered.Add(p);
            if (t) timed.Add(p);
        }
        Assert.Equal([0, WalkWarmup.TieredEvery], tiered);
        Assert.Equal([0, WalkWarmup.TieredEvery / 2, WalkWarmup.TieredEvery, WalkWarmup.TieredEvery * 3 / 2], timed);
    }

    /// <summary>Runs the schedule for one 16-sample window with the given ticks per row of each copy; the last Record's answer.</summary>
    private static bool Window(WalkWarmup w, double tieredPerRow, double optimizedPerRow, int rows = 50)
    {
        bool switched = false;
        int samples = 0;
        while (samples < 16)
        {
            bool tiered = w.NextIsTiered(out bool timed);
            if (!timed) continue;
            samples++;
            switched = w.Record(tiered, (long)((tiered ? tieredPerRow : optimizedPerRow) * rows), rows);
            if (samples < 16) Assert.False(switched);
        }
        return switched;
    }

    [Fact]
    public void StaysOnTheOptimizedCopyWhileTheTieredOneIsSlower()
    {
        var w = new WalkWarmup();
        Assert.False(Window(w, tieredPerRow: 130, optimizedPerRow: 26));
        Assert.False(Window(w, tieredPerRow: 30, optimizedPerRow: 26));
    }

    [Fact]
    public void SwitchesAtTheEndOfTheFirstWindowWhereTheTieredCopyIsAsFast()
    {
        var w = new WalkWarmup();
        Assert.False(Window(w, tieredPerRow: 130, optimizedPerRow: 26));
        Assert.True(Window(w, tieredPerRow: 22, optimizedPerRow: 26));
    }

    [Fact]
    public void PagesWithFewRowsAreNotJudged()
    {
        var w = new WalkWarmup();
        // a fast tiered time over 3 rows says nothing: no optimised sample either, so no switch
        Assert.False(Window(w, tieredPerRow: 1, optimizedPerRow: 26, rows: 3));
    }
}
