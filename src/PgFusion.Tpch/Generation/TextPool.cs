using System.Text;

namespace PgFusion.Tpch.Generation;

/// <summary>
/// The spec's text pool (4.2.2.10): sentences from the TPC-H grammar, concatenated; a "text string
/// [min, max]" is a substring of random length and offset. dbgen uses a 300 MB pool; 4 MB keeps the
/// same word statistics (what the LIKE predicates of Q9, Q13 and Q16 see) at a fraction of the cost.
/// </summary>
public sealed class TextPool
{
    public const int DefaultSize = 4 * 1024 * 1024;

    private static readonly Lazy<TextPool> s_default = new(() => new TextPool(DefaultSize, seed: 0));

    private readonly string _text;

    public TextPool(int size, ulong seed)
    {
        var random = new TpchRandom(seed, stream: 0x7E47);
        var builder = new StringBuilder(size + 200);
        while (builder.Length < size)
        {
            AppendSentence(builder, random);
            builder.Append(' ');
        }
        _text = builder.ToString(0, size);
    }

    /// <summary>The pool every generator shares (it is immutable and the same for every seed).</summary>
    public static TextPool Default => s_default.Value;

    public int Length => _text.Length;

    public string Text(TpchRandom random, int minLength, int maxLength)
    {
        var length = random.Uniform(minLength, maxLength);
        var offset = random.Uniform(0, _text.Length - length);
        return _text.Substring(offset, length);
    }

    private static void AppendSentence(StringBuilder builder, TpchRandom random)
    {
        var shape = TpchDistributions.Grammar.Pick(random);
        for (var i = 0; i < shape.Length; i++)
        {
            switch (shape[i])
            {
                case 'N': AppendNounPhrase(builder, random); break;
                case 'V': AppendVerbPhrase(builder, random); break;
                case 'P':
                    builder.Append(TpchDistributions.Prepositions.Pick(random)).Append(" the ");
                    AppendNounPhrase(builder, random);
                    break;
                case 'T':
                    // The terminator sticks to the last word: "... carefully final deposits."
                    if (builder.Length > 0 && builder[^1] == ' ')
                        builder.Length--;
                    builder.Append(TpchDistributions.Terminators.Pick(random));
                    continue;
            }
            builder.Append(' ');
        }
    }

    private static void AppendNounPhrase(StringBuilder builder, TpchRandom random)
    {
        var shape = TpchDistributions.NounPhrases.Pick(random);
        AppendWords(builder, random, shape);
    }

    private static void AppendVerbPhrase(StringBuilder builder, TpchRandom random)
    {
        var shape = TpchDistributions.VerbPhrases.Pick(random);
        AppendWords(builder, random, shape);
    }

    private static void AppendWords(StringBuilder builder, TpchRandom random, string shape)
    {
        for (var i = 0; i < shape.Length; i++)
        {
            var word = shape[i] switch
            {
                'N' => TpchDistributions.Nouns.Pick(random),
                'J' => TpchDistributions.Adjectives.Pick(random),
                'D' => TpchDistributions.Adverbs.Pick(random),
                'V' => TpchDistributions.Verbs.Pick(random),
                'X' => TpchDistributions.Auxiliaries.Pick(random),
                _ => null,
            };
            if (word is null)
            {
                builder.Append(shape[i]);
                continue;
            }
            if (i > 0)
                builder.Append(' ');
            builder.Append(word);
        }
    }
}
