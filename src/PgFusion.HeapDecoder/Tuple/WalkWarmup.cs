using System.Diagnostics;

namespace PgFusion.HeapDecoder.Tuple;

/// <summary>
/// A decoder's first pages of a layout the process has not walked fast yet. TupleWalker.WalkPage is
/// compiled per layout and tiered by the runtime: Tier0 (no inlining: every step a call, ~1/5 of the
/// final speed), after the tiering delay and 30 calls an instrumented tier, then Tier1 with the
/// profile, each compiled in the background. That took a fresh process's first ~10,000-16,000
/// lineitem pages (perf/decoder12-2026-12-01.md). Meanwhile the pages go through
/// WalkPageOptimized (the same loop, fully optimised at its first call, no profile: ~16 % slower than
/// the final tier), except every <see cref="TieredEvery"/>th page, which goes through WalkPage so
/// that the runtime counts its calls and tiers it up. Both copies are timed on some pages (ticks per
/// row); once the fastest WalkPage page of a window is at least as fast as the fastest optimised one,
/// WalkPage has reached its final tier: the layout is warm (TupleWalker.TieredWarm) and every decoder
/// of it runs WalkPage alone. The decision is a speed only: both copies store the same values.
/// The runtime, not the page count, decides when WalkPage is promoted (its tiering delay restarts
/// whenever any new method is compiled), so the warm phase may last long; what this bounds is its
/// cost: ~1.5-2x the final speed instead of ~5x (perf/decoder13-2026-12-01.md).
/// </summary>
internal sealed class WalkWarmup
{
    /// <summary>One page in this many goes through the tiered WalkPage while warming.</summary>
    public const int TieredEvery = 8;

    /// <summary>Timed pages per comparison window (8 of each copy: 64 pages).</summary>
    private const int WindowSamples = 16;

    /// <summary>After this many pages WalkPage runs alone whatever the timings said (a runtime that never tiers it up).</summary>
    private const long MaxPages = 1 << 20;

    /// <summary>Pages with fewer walked rows say little about the speed per row.</summary>
    private const int MinTimedRows = 16;

    private long _pages;
    private int _samples;
    private double _tieredBest = double.MaxValue;
    private double _optimizedBest = double.MaxValue;

    /// <summary>The page about to be walked goes through the tiered WalkPage (else WalkPageOptimized); <paramref name="timed"/>: time it.</summary>
    public bool NextIsTiered(out bool timed)
    {
        int phase = (int)(_pages++ % TieredEvery);
        timed = phase == 0 || phase == TieredEvery / 2;
        return phase == 0;
    }

    /// <summary>
    /// One timed page: <paramref name="ticks"/> (Stopwatch) for <paramref name="rows"/> walked rows.
    /// True when WalkPage can run alone from now on.
    /// </summary>
    public bool Record(bool tiered, long ticks, int rows)
    {
        if (rows >= MinTimedRows)
        {
            double perRow = (double)ticks / rows;
            if (tiered) _tieredBest = Math.Min(_tieredBest, perRow);
            else _optimizedBest = Math.Min(_optimizedBest, perRow);
        }
        if (_pages >= MaxPages) return true;
        if (++_samples % WindowSamples != 0) return false;
        // the fastest of a window's pages: a page the machine interrupted only looks slower
        bool caughtUp = _tieredBest <= _optimizedBest && _optimizedBest != double.MaxValue;
        _tieredBest = double.MaxValue;
        _optimizedBest = double.MaxValue;
        return caughtUp;
    }

    /// <summary>Stopwatch ticks now (a page walk takes ~1-2 us: the timer's ~20-50 ns on 1/4 of the pages, and only while warming).</summary>
    public static long Now() => Stopwatch.GetTimestamp();
}
