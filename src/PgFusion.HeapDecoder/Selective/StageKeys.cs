using System.Runtime.CompilerServices;

namespace PgFusion.HeapDecoder;

/// <summary>
/// The integer keys a key stage keeps (<see cref="FilterStage.Keys"/>), as one bit per value of
/// their range: bit k of <c>words</c> says whether <c>min + k</c> is a key. A join-key stage passes
/// the bits of the join's built keys (Codegen's KeyBitmap) without a copy; they are only read
/// (shared by the scan's threads).
/// </summary>
public sealed class StageKeys
{
    private readonly ulong[] words;
    private readonly long min;
    private readonly ulong range;

    /// <param name="words">The bits (at least <paramref name="range"/> of them); never written here.</param>
    /// <param name="min">The key of bit 0.</param>
    /// <param name="range">How many values from <paramref name="min"/> on the bits cover (0: no key).</param>
    public StageKeys(ulong[] words, long min, ulong range)
    {
        ArgumentNullException.ThrowIfNull(words);
        if ((ulong)words.Length < (range + 63) / 64) throw new ArgumentException($"{words.Length} words hold fewer than {range} bits", nameof(words));
        this.words = words;
        this.min = min;
        this.range = range;
    }

    /// <summary>Whether <paramref name="key"/> is one of the keys.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Contains(long key)
    {
        ulong bit = unchecked((ulong)(key - min));
        return bit < range && (words[bit >> 6] & (1UL << (int)(bit & 63))) != 0;
    }
}
