namespace PgFusion.HeapDecoder.Tuple;

/// <summary>
/// How many cache lines of the next page TupleWalker asks for per tuple it walks on this one (the
/// caller passes the page it decodes next; the lines go from the page's end down, the order its
/// tuples are walked in). A lineitem page holds ~53 tuples in 128 lines. 3 per tuple requested all of
/// them within the first ~43 tuples; 2 per tuple request ~106, and the next page, not fully requested,
/// then asks for its own tuples PrefetchAhead items ahead as it is walked. In-process A/B on Q1's
/// columns (perf/decoder17-2026-12-02.md): 2 ran 2-4 % faster than 3 (1: 2-5 % slower, 6: 30 %
/// slower: a burst of prefetches stalls the walk's own loads). PGFUSION_DECODER_NEXT_LINES (1-8),
/// read when a decoder is made, picks another count to compare; each count is its own compiled walk.
/// </summary>
internal static class NextPrefetch
{
    public const int Lines = 2;

    public static int LinesFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("PGFUSION_DECODER_NEXT_LINES"), System.Globalization.NumberStyles.Integer,
            System.Globalization.CultureInfo.InvariantCulture, out int v) ? v : Lines;
}
