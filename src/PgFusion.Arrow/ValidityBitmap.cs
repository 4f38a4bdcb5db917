using System.Runtime.CompilerServices;

namespace PgFusion.Arrow;

/// <summary>
/// Arrow validity bitmap: LSB-first, bit i set = row i is valid (not null). Backed by a
/// ulong[] so kernels can test and combine 64 rows per word.
/// </summary>
public sealed class ValidityBitmap
{
    public ulong[] Words { get; private set; }

    public ValidityBitmap(int capacity) => Words = new ulong[(capacity + 63) >> 6];

    public int Capacity => Words.Length << 6;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsValid(int index) => (Words[index >> 6] & (1UL << index)) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetValid(int index) => Words[index >> 6] |= 1UL << index;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetNull(int index) => Words[index >> 6] &= ~(1UL << index);

    public void Set(int index, bool valid)
    {
        if (valid) SetValid(index); else SetNull(index);
    }

    public void SetAllValid(int length)
    {
        int full = length >> 6;
        Array.Fill(Words, ulong.MaxValue, 0, full);
        if ((length & 63) != 0) Words[full] = (1UL << (length & 63)) - 1;
    }

    public void Clear() => Array.Clear(Words);

    public void EnsureCapacity(int capacity)
    {
        int words = (capacity + 63) >> 6;
        if (words > Words.Length)
        {
            var grown = new ulong[Math.Max(words, Words.Length * 2)];
            Words.CopyTo(grown, 0);
            Words = grown;
        }
    }

    /// <summary>Rows that are null among the first <paramref name="length"/>.</summary>
    public int CountNulls(int length)
    {
        int valid = 0, full = length >> 6;
        for (int w = 0; w < full; w++) valid += System.Numerics.BitOperations.PopCount(Words[w]);
        if ((length & 63) != 0) valid += System.Numerics.BitOperations.PopCount(Words[full] & ((1UL << (length & 63)) - 1));
        return length - valid;
    }
}
