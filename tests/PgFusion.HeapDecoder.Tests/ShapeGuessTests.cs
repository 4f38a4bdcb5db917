using PgFusion.HeapDecoder.Tuple;
using Xunit;

namespace PgFusion.HeapDecoder.Tests;

/// <summary>
/// ShapeGuess's learning policy on its own (the decoded values never depend on it: DecodePathTests
/// checks those against PostgreSQL). A guess is judged over windows of ShapeGuess.WindowRows
/// walked rows: one page with many misses must not drop a guess that holds over the window
/// (the per-page rule struck l_extendedprice's guess out for good over a long scan).
/// </summary>
public sealed class ShapeGuessTests
{
    /// <summary>l_extendedprice's usual shape: 1-byte header 19 (3 digits), short numeric header 0x8101 (weight 1, dscale 2).</summary>
    private const uint ThreeDigitsWeight1 = 0x81_01_13;

    /// <summary>Below 10000: 2 digits, weight 0.</summary>
    private const uint TwoDigitsWeight0 = 0x81_00_0F;

    private static FastStep[] GuessedStep(uint shape)
    {
        var steps = new[] { new FastStep { Kind = FastKind.Numeric, Scale = 2, Guess = ShapeGuess.None, Guess2 = ShapeGuess.None } };
        ShapeGuess.LearnNumeric(ref steps[0], shape);
        Assert.Equal(shape, steps[0].Guess);
        return steps;
    }

    private static void Page(FastStep[] steps, int rows, int misses, uint candidate, int misses2 = -1)
    {
        steps[0].Misses = misses;
        // values that missed the first guess also missed the second unless the caller says otherwise
        steps[0].Misses2 = misses2 < 0 ? misses : misses2;
        if (misses > 0) steps[0].Candidate = candidate;
        ShapeGuess.Update(steps, rows);
    }

    /// <summary>l_discount's 0.00: no digits (1-byte header 7), dscale 2, weight 0.</summary>
    private const uint Zero = 0x81_00_07;

    [Fact]
    public void The_common_shape_of_a_kept_guess_s_misses_becomes_the_second_guess_and_holds()
    {
        var steps = GuessedStep(ThreeDigitsWeight1);
        Page(steps, 53, 7, TwoDigitsWeight0);
        Assert.Equal(TwoDigitsWeight0, steps[0].Guess2);
        Assert.Equal(7, steps[0].Guess2Size);
        // 60 pages whose misses take the second guess but for one in seven
        for (int p = 0; p < 60; p++) Page(steps, 53, 7, TwoDigitsWeight0, misses2: 1);
        Assert.Equal(ThreeDigitsWeight1, steps[0].Guess);
        Assert.Equal(TwoDigitsWeight0, steps[0].Guess2);
        Assert.Equal(0, steps[0].Strikes2);
    }

    [Fact]
    public void A_second_guess_missed_by_most_misses_is_struck_and_after_MaxStrikes_not_learned_again()
    {
        var steps = GuessedStep(ThreeDigitsWeight1);
        Page(steps, 53, 7, Zero);
        Assert.Equal(Zero, steps[0].Guess2);
        // every miss misses the second guess too: each window (1024 rows) strikes it, and the next page relearns
        for (int p = 0; p < 200; p++) Page(steps, 53, 7, p % 2 == 0 ? TwoDigitsWeight0 : Zero, misses2: 7);
        Assert.Equal(ThreeDigitsWeight1, steps[0].Guess);
        Assert.Equal(ShapeGuess.MaxStrikes, steps[0].Strikes2);
        Assert.Equal(ShapeGuess.None, steps[0].Guess2);
    }

    [Fact]
    public void A_dropped_first_guess_drops_the_second_and_unguessable_shapes_are_not_second_guesses()
    {
        var steps = GuessedStep(ThreeDigitsWeight1);
        Page(steps, 53, 7, Zero, misses2: 0);
        Assert.Equal(Zero, steps[0].Guess2);
        while (steps[0].Guess == ThreeDigitsWeight1) Page(steps, 53, 40, TwoDigitsWeight0, misses2: 40);
        Assert.Equal(TwoDigitsWeight0, steps[0].Guess);
        Assert.Equal(ShapeGuess.None, steps[0].Guess2);
        foreach (uint shape in new uint[] { 0xA1_00_0B, 0xC0_00_07, 0x81_01_1B, 0x81_3F_0B })
        {
            ShapeGuess.LearnSecond(ref steps[0], shape);
            Assert.Equal(ShapeGuess.None, steps[0].Guess2);
        }
    }

    [Fact]
    public void A_guess_that_holds_over_the_window_survives_pages_with_many_misses()
    {
        var steps = GuessedStep(ThreeDigitsWeight1);
        // 200 pages of 53 rows, ~14 % misses, every tenth page 16 misses (30 %, over a quarter of its rows)
        for (int p = 0; p < 200; p++) Page(steps, 53, p % 10 == 3 ? 16 : 7, TwoDigitsWeight0);
        Assert.Equal(ThreeDigitsWeight1, steps[0].Guess);
        Assert.Equal(0, steps[0].Strikes);
    }

    [Fact]
    public void A_guess_missed_by_most_rows_is_dropped_within_a_window_and_the_last_missed_shape_guessed()
    {
        var steps = GuessedStep(ThreeDigitsWeight1);
        int pages = 0;
        while (steps[0].Guess == ThreeDigitsWeight1 && pages < 100)
        {
            Page(steps, 53, 40, TwoDigitsWeight0);
            pages++;
        }
        Assert.Equal(TwoDigitsWeight0, steps[0].Guess);
        Assert.Equal(1, steps[0].Strikes);
        // the window ends early once its misses exceed a quarter of a full window (256 of 1024): 7 pages of 40
        Assert.Equal(7, pages);
    }

    [Fact]
    public void A_column_whose_guesses_keep_failing_is_not_guessed_after_MaxStrikes()
    {
        var steps = GuessedStep(ThreeDigitsWeight1);
        uint[] shapes = [TwoDigitsWeight0, ThreeDigitsWeight1];
        for (int p = 0; p < 200; p++) Page(steps, 53, 53, shapes[p % 2]);
        Assert.Equal(ShapeGuess.None, steps[0].Guess);
        Assert.Equal(ShapeGuess.MaxStrikes, steps[0].Strikes);
    }

    [Fact]
    public void Unguessable_shapes_are_not_learned()
    {
        var steps = new[] { new FastStep { Kind = FastKind.Numeric, Scale = 2, Guess = ShapeGuess.None, Guess2 = ShapeGuess.None } };
        // negative (sign bit 0x2000 of the short header), NaN (the special header 0xC000), a 5-digit value
        // (header byte 27, more than the 8-byte digit load), and weight 63 (10^254: no exact scaling entry)
        foreach (uint shape in new uint[] { 0xA1_00_0B, 0xC0_00_07, 0x81_01_1B, 0x81_3F_0B })
        {
            ShapeGuess.LearnNumeric(ref steps[0], shape);
            Assert.Equal(ShapeGuess.None, steps[0].Guess);
        }
        // a column whose values carry their own scale (unconstrained numeric) is never guessed
        steps[0].Scale = -1;
        ShapeGuess.LearnNumeric(ref steps[0], ThreeDigitsWeight1);
        Assert.Equal(ShapeGuess.None, steps[0].Guess);
    }
}
