using PgFusion.HeapDecoder.Numeric;

namespace PgFusion.HeapDecoder.Tuple;

/// <summary>
/// Per-column shape guesses for TupleWalker's numeric and text steps. Many columns hold values
/// of one size and header across nearly all rows (TPC-H lineitem: l_quantity, l_discount, l_tax
/// are short numerics of one digit with one weight and scale, l_extendedprice mostly of three; l_returnflag, l_linestatus are
/// char(1)). A step whose value's leading bytes equal the guess takes the value's size from the
/// guess instead of from its header byte, so the next attribute's offset does not wait for that
/// byte's load (the branch on the compare is predicted: the serial chain of varlena headers is
/// speculated through), and a numeric's digits are scaled with one precomputed entry. A value
/// that does not match goes through the unguessed path, which counts it and records its shape.
/// The guess is only a shortcut: the guessed path stores what the unguessed path stores for the
/// same bytes, or leaves the value to it.
/// Learning (<see cref="Update"/>, after each page): a column without a guess takes the last
/// missed value's shape when it is guessable. A guess is judged over a window of
/// <see cref="WindowRows"/> walked rows, not per page: missed by more than a quarter of the
/// window's rows it is dropped (a strike) and the last missed shape guessed instead; after
/// <see cref="MaxStrikes"/> the column is not guessed again (its shapes vary, and a mispredicted
/// compare costs more than the guess saves). Per page was too short: a lineitem page holds ~53
/// rows, l_extendedprice misses its guess in ~14 % of rows on average, and one page in a few
/// hundred has more than 13 misses by chance, so over a long scan the per-page rule struck a
/// good guess out for good (three unlucky pages; a strike also re-learned from the last miss,
/// a rare shape, which then failed at once).
/// A numeric column whose guess is kept also learns the shape of its misses as a second guess
/// (<see cref="UpdateSecond"/>), which only values that missed the first one try: l_discount's
/// and l_tax's 0.00 and l_extendedprice below 10000 then take a short guessed path instead of
/// the unguessed one (the mispredicted first compare stays: a second shape selected without a
/// branch put the header load on the offset chain and was slower, perf/decoder-2026-12-01b.md).
/// </summary>
internal static class ShapeGuess
{
    /// <summary>A guess no value matches (numeric compares 24 bits, text 8).</summary>
    public const uint None = uint.MaxValue;

    public const int MaxStrikes = 3;

    /// <summary>
    /// Walked rows over which a guess's misses are counted before it is judged (~20 lineitem
    /// pages: a 14 % miss rate varies by about ±1 % over a window, by ±5 % over one page).
    /// A window whose misses already exceed a quarter of this many rows ends early.
    /// </summary>
    public const int WindowRows = 1024;

    /// <summary>Drops guesses the steps' columns no longer fit (a changed scale); called when the steps are bound.</summary>
    public static void Bind(ref FastStep s)
    {
        if (s.Kind == FastKind.Numeric && s.Guess != None && s.GuessScale != s.Scale)
        {
            s.Guess = None;
            s.WindowRows = 0;
            s.WindowMisses = 0;
        }
        if (s.Kind == FastKind.Numeric && s.Guess2 != None && s.Guess2Scale != s.Scale) DropSecond(ref s);
    }

    private static void DropSecond(ref FastStep s)
    {
        s.Guess2 = None;
        s.Window2Misses = 0;
    }

    /// <summary>After a page: <paramref name="walked"/> rows went through the walk since the last call.</summary>
    public static void Update(FastStep[] steps, int walked)
    {
        for (int k = 0; k < steps.Length; k++)
        {
            ref FastStep s = ref steps[k];
            if (s.Kind is not (FastKind.Numeric or FastKind.Text)) continue;
            int misses = s.Misses;
            int misses2 = s.Misses2;
            s.Misses = 0;
            s.Misses2 = 0;
            if (walked == 0) continue;
            if (s.Guess != None)
            {
                s.WindowMisses += misses;
                s.Window2Misses += misses2;
                s.WindowRows += walked;
                if (s.WindowRows < WindowRows && s.WindowMisses * 4L <= WindowRows)
                {
                    if (s.Kind == FastKind.Numeric) UpdateSecond(ref s, misses, 0);
                    continue;
                }
                bool keep = s.WindowMisses * 4L <= s.WindowRows;
                int windowMisses = s.WindowMisses;
                s.WindowMisses = 0;
                s.WindowRows = 0;
                if (keep)
                {
                    if (s.Kind == FastKind.Numeric) UpdateSecond(ref s, misses, windowMisses);
                    continue;
                }
                s.Guess = None;
                s.Strikes++;
                DropSecond(ref s);
            }
            if (s.Strikes >= MaxStrikes || misses == 0) continue;
            if (s.Kind == FastKind.Numeric) LearnNumeric(ref s, s.Candidate);
            else LearnText(ref s, s.Candidate);
        }
    }

    /// <summary>
    /// The second numeric guess, for a column whose first guess is kept: judged when the first
    /// one's window ends (<paramref name="windowMisses"/> > 0: its misses over the window), it is
    /// dropped (a strike) when more than half of those misses missed it too (it costs a compare on
    /// the miss path only: l_extendedprice's second shape, below 10000, takes ~73 % of its misses,
    /// the rest being 12345.00-like values with two digits at weight 1 and others); a column without
    /// one takes the shape of the page's last miss (<see cref="FastStep.Candidate"/>), so a column
    /// whose misses have one common shape gets it within a page or two. After MaxStrikes, none.
    /// </summary>
    private static void UpdateSecond(ref FastStep s, int pageMisses, int windowMisses)
    {
        if (s.Guess2 != None && windowMisses > 0)
        {
            bool keep = s.Window2Misses * 2L <= windowMisses;
            s.Window2Misses = 0;
            if (!keep)
            {
                DropSecond(ref s);
                s.Strikes2++;
            }
        }
        else if (windowMisses > 0)
        {
            s.Window2Misses = 0;
        }
        if (s.Guess2 == None && s.Strikes2 < MaxStrikes && pageMisses > 0 && s.Candidate != s.Guess) LearnSecond(ref s, s.Candidate);
    }

    /// <summary>
    /// Guesses numeric values shaped as <paramref name="shape"/> (header byte, then the 2-byte
    /// short numeric header): a positive finite short numeric of 0-4 digits in a column of fixed
    /// scale whose weight places d0 * 10000 + d1 with one entry; otherwise no guess.
    /// </summary>
    public static void LearnNumeric(ref FastStep s, uint shape)
    {
        if (s.Scale < 0 || !TryShortShape(shape, out int b0, out int weight, out int digits)) return;
        // d0 * 10000 + d1 counts units of 10000^(weight - 1), Combine's four lanes units of
        // 10000^(weight - 3): the scaled value is that integer times 10^e
        bool wide = digits > 2;
        long e = ((long)NumericFormat.DigitsPerBaseDigit * (weight - (wide ? 3 : 1))) + s.Scale;
        if (e < -19 || e > 18) return;
        var entry = NumericScaled.EntryFor(e);
        // the guessed path has no overflow check: the entry must take every value of the digits (below
        // 10^8 read as d0 * 10000 + d1, 10^16 as four lanes), as every exact division and a multiply by 10^e
        // for e up to 10 (two digits) or 2 (four lanes) do
        if (entry.Limit < (wide ? NumericScaled.FourLaneBound : NumericScaled.TwoLaneBound)) return;
        s.GuessEntry = entry;
        s.GuessWide = wide;
        s.GuessMask = DigitMask(digits);
        s.GuessSize = b0 >> 1;
        s.GuessScale = s.Scale;
        s.Guess = shape & 0xFF_FFFF;
    }

    /// <summary>
    /// The second guess from <paramref name="shape"/>, as <see cref="LearnNumeric"/> but with the
    /// digits always read as Combine's four lanes (a miss path: one form is enough).
    /// </summary>
    public static void LearnSecond(ref FastStep s, uint shape)
    {
        if (s.Scale < 0 || !TryShortShape(shape, out int b0, out int weight, out int digits)) return;
        // Combine's four lanes count units of 10000^(weight - 3)
        long e = ((long)NumericFormat.DigitsPerBaseDigit * (weight - 3)) + s.Scale;
        if (e < -19 || e > 18) return;
        var entry = NumericScaled.EntryFor(e);
        // no overflow check on this path either (LearnNumeric)
        if (entry.Limit < NumericScaled.FourLaneBound) return;
        s.Guess2Entry = entry;
        s.Guess2Mask = DigitMask(digits);
        s.Guess2Size = b0 >> 1;
        s.Guess2Scale = s.Scale;
        s.Window2Misses = 0;
        s.Guess2 = shape & 0xFF_FFFF;
    }

    /// <summary>
    /// Reads a numeric shape (header byte, then the 2-byte short numeric header): true for a positive
    /// finite short numeric of 0-4 digits, with its header byte, weight and digit count.
    /// </summary>
    private static bool TryShortShape(uint shape, out int b0, out int weight, out int digits)
    {
        b0 = (int)(shape & 0xFF);
        int header = (int)((shape >> 8) & 0xFFFF);
        weight = 0;
        digits = 0;
        // b0 = 7 + 4n for a short numeric of n digits (1-byte header, 2-byte numeric header, 2n bytes)
        if (b0 < 7 || b0 > 23 || ((b0 - 7) & 3) != 0) return false;
        if ((header & NumericFormat.SignMask) != NumericFormat.Short || (header & 0x2000) != 0) return false;
        weight = ((header & NumericScaled.WeightBits) ^ NumericFormat.ShortWeightSign) - NumericFormat.ShortWeightSign;
        digits = (b0 - 7) >> 2;
        return true;
    }

    /// <summary>The mask of a guessed value's <paramref name="digits"/> base-10000 digits as read in one 8-byte load.</summary>
    private static ulong DigitMask(int digits) => digits == 4 ? ulong.MaxValue : (1UL << (16 * digits)) - 1;

    /// <summary>Guesses text values with the 1-byte header <paramref name="shape"/> (a payload of 0-32 bytes); otherwise no guess.</summary>
    public static void LearnText(ref FastStep s, uint shape)
    {
        int b0 = (int)(shape & 0xFF);
        if ((b0 & 1) == 0 || b0 == 1 || b0 > (33 << 1) + 1) return;
        s.GuessSize = b0 >> 1;
        s.Guess = (uint)b0;
    }
}
