using System.Text;

namespace PgFusion.Codegen.Values;

/// <summary>
/// The elements of a constant text or bpchar IN list (`x IN ('a', 'b', ...)`, `x NOT IN (...)`),
/// tested by one call instead of one inlined texteq/bpchareq per element: RyuJIT's time on a
/// kernel grows with the inlined code, and TPC-H Q19's three p_container lists alone were twelve
/// inlined comparisons (each with bpchar's trailing-space loop) in every kernel that reads them.
/// Equal answers to the chain: no element is NULL, and texteq/bpchareq neither raise nor return
/// NULL on non-NULL arguments, so only the scalar's NULL (handled by the caller) makes the list NULL.
/// </summary>
public sealed class ConstantTextSet
{
    private readonly byte[][] elements;

    /// <param name="bpchar">bpchareq semantics: trailing spaces are ignored on both sides (bcTruelen); else texteq, byte equality.</param>
    /// <param name="elements">The list's constants in list order.</param>
    public ConstantTextSet(bool bpchar, string[] elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        Bpchar = bpchar;
        Elements = elements;
        this.elements = new byte[elements.Length][];
        for (int i = 0; i < elements.Length; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(elements[i]);
            var t = new TextRef(bytes, 0, bytes.Length);
            this.elements[i] = bpchar ? t.Span[..t.TrimmedLength()].ToArray() : bytes;
        }
    }

    public bool Bpchar { get; }

    /// <summary>The constants as written (the C# dump re-creates the set from them).</summary>
    public IReadOnlyList<string> Elements { get; }

    /// <summary>Whether some element equals <paramref name="value"/> (= ANY); NOT IN is its negation (&lt;&gt; ALL).</summary>
    public bool Contains(TextRef value)
    {
        var span = value.Span;
        if (!Bpchar)
        {
            foreach (var e in elements)
            {
                if (span.SequenceEqual(e)) return true;
            }
            return false;
        }
        // bpchar: the elements are trimmed, so the value equals one exactly when it is that element
        // followed by spaces only. Comparing the element's bytes first rejects most values without
        // the byte-by-byte walk over their trailing spaces (TPC-H Q12: l_shipmode is char(10))
        foreach (var e in elements)
        {
            if (span.Length >= e.Length && span[..e.Length].SequenceEqual(e) && !span[e.Length..].ContainsAnyExcept((byte)' ')) return true;
        }
        return false;
    }
}
