using PgFusion.Arrow;

namespace PgFusion.Codegen.Kernels;

public sealed partial class VectorFilter
{
    /// <summary>One term over full 64-row words, as a struct so that <see cref="FusedWords"/> inlines it.</summary>
    private interface IWordTerm
    {
        /// <summary>Takes the batch's column; false when it does not hold <paramref name="words"/> full words.</summary>
        bool Bind(IReadOnlyList<Column> columns, int words);

        /// <summary>Bit r of the result: row 64 w + r passes.</summary>
        ulong Word(int w);
    }

    /// <summary>The missing terms of a fused loop over fewer than four terms.</summary>
    private struct AllRows : IWordTerm
    {
        public readonly bool Bind(IReadOnlyList<Column> columns, int words) => true;

        public readonly ulong Word(int w) => ulong.MaxValue;
    }

    /// <summary>
    /// Up to four terms over the full words of a range in one loop, the terms type arguments: the
    /// JIT compiles one loop per predicate shape with every compare inline, where the per-term path
    /// makes two virtual calls per term and word and stores each term's word before the next ANDs it.
    /// </summary>
    private abstract class FusedWords
    {
        private const int MaxTerms = 4;

        /// <summary>Fills the full words of [<paramref name="fromWord"/>, <paramref name="toWord"/>); returns the first word it left.</summary>
        public abstract int Evaluate(IReadOnlyList<Column> columns, int rows, int fromWord, int toWord, ulong[] bits);

        public static FusedWords? TryCreate(Term[] terms)
        {
            if (terms.Length is < 2 or > MaxTerms) return null;
            var words = new IWordTerm[MaxTerms];
            for (int i = 0; i < MaxTerms; i++)
            {
                if (i >= terms.Length) words[i] = new AllRows();
                else if (terms[i].WordTerm() is { } w) words[i] = w;
                else return null;
            }
            var type = typeof(FusedWords<,,,>).MakeGenericType([.. words.Select(w => w.GetType())]);
            return (FusedWords)Activator.CreateInstance(type, [words])!;
        }
    }

    private sealed class FusedWords<TA, TB, TC, TD>(IWordTerm[] terms) : FusedWords
        where TA : struct, IWordTerm
        where TB : struct, IWordTerm
        where TC : struct, IWordTerm
        where TD : struct, IWordTerm
    {
        private readonly TA a = (TA)terms[0];
        private readonly TB b = (TB)terms[1];
        private readonly TC c = (TC)terms[2];
        private readonly TD d = (TD)terms[3];

        public override int Evaluate(IReadOnlyList<Column> columns, int rows, int fromWord, int toWord, ulong[] bits)
        {
            int end = Math.Min(Math.Min(toWord, rows >> 6), bits.Length);
            if (end <= fromWord) return fromWord;
            // copies: the filter is shared by the threads running the plan, the bound arrays are this call's
            var (ta, tb, tc, td) = (a, b, c, d);
            if (!ta.Bind(columns, end) || !tb.Bind(columns, end) || !tc.Bind(columns, end) || !td.Bind(columns, end)) return fromWord;
            for (int w = fromWord; w < end; w++) bits[w] = ta.Word(w) & tb.Word(w) & tc.Word(w) & td.Word(w);
            return end;
        }
    }
}
