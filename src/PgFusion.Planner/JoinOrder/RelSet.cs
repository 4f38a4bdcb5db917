using System.Numerics;
using System.Runtime.CompilerServices;

namespace PgFusion.Planner.JoinOrder;

/// <summary>
/// A set of relations of one query graph (at most 64), as a bit set: bit i is relation i.
/// The enumerators run on raw <see cref="ulong"/> masks in their hot loops; this struct is the
/// readable face of the same bits for everything else.
/// </summary>
public readonly record struct RelSet(ulong Bits) : IComparable<RelSet>
{
    public const int MaxRelations = 64;

    public static RelSet Empty => default;

    public static RelSet Single(int relation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(relation);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(relation, MaxRelations);
        return new RelSet(1UL << relation);
    }

    public static RelSet Of(params ReadOnlySpan<int> relations)
    {
        ulong bits = 0;
        foreach (var r in relations)
            bits |= Single(r).Bits;
        return new RelSet(bits);
    }

    /// <summary>{0, ..., count-1}.</summary>
    public static RelSet FirstN(int count) => new(count >= 64 ? ulong.MaxValue : (1UL << count) - 1);

    /// <summary>B_v of the DPHyp paper: every relation with index at most <paramref name="relation"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong UpTo(int relation) => relation >= 63 ? ulong.MaxValue : (2UL << relation) - 1;

    public bool IsEmpty => Bits == 0;
    public int Count => BitOperations.PopCount(Bits);

    /// <summary>Index of the lowest relation; -1 when empty.</summary>
    public int Min => Bits == 0 ? -1 : BitOperations.TrailingZeroCount(Bits);

    public bool Contains(int relation) => (Bits & (1UL << relation)) != 0;
    public bool IsSubsetOf(RelSet other) => (Bits & ~other.Bits) == 0;
    public bool Overlaps(RelSet other) => (Bits & other.Bits) != 0;

    public RelSet Union(RelSet other) => new(Bits | other.Bits);
    public RelSet Intersect(RelSet other) => new(Bits & other.Bits);
    public RelSet Except(RelSet other) => new(Bits & ~other.Bits);

    public static RelSet operator |(RelSet a, RelSet b) => new(a.Bits | b.Bits);
    public static RelSet operator &(RelSet a, RelSet b) => new(a.Bits & b.Bits);
    public static RelSet operator -(RelSet a, RelSet b) => new(a.Bits & ~b.Bits);

    /// <summary>The lowest set bit of a mask as a mask (DPHyp's min(v) for a hypernode).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong LowestBit(ulong mask) => mask & (0UL - mask);

    /// <summary>
    /// The next non-empty subset of <paramref name="mask"/> after <paramref name="subset"/> in increasing
    /// numeric order; start with 0, stop when it returns 0. ((s - m) &amp; m flips to the next
    /// subset because borrowing skips the bits outside m.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong NextSubset(ulong subset, ulong mask) => (subset - mask) & mask;

    /// <summary>Relations in increasing order.</summary>
    public Enumerator GetEnumerator() => new(Bits);

    /// <summary>All non-empty subsets, in increasing numeric order.</summary>
    public IEnumerable<RelSet> NonEmptySubsets()
    {
        ulong s = 0;
        while ((s = NextSubset(s, Bits)) != 0)
            yield return new RelSet(s);
    }

    public int CompareTo(RelSet other) => Bits.CompareTo(other.Bits);

    public static bool operator <(RelSet a, RelSet b) => a.Bits < b.Bits;
    public static bool operator >(RelSet a, RelSet b) => a.Bits > b.Bits;
    public static bool operator <=(RelSet a, RelSet b) => a.Bits <= b.Bits;
    public static bool operator >=(RelSet a, RelSet b) => a.Bits >= b.Bits;

    public override string ToString() => "{" + string.Join(",", ToArray()) + "}";

    public int[] ToArray()
    {
        var result = new int[Count];
        var i = 0;
        foreach (var r in this)
            result[i++] = r;
        return result;
    }

    public struct Enumerator(ulong bits)
    {
        private ulong _rest = bits;
        public int Current { get; private set; }

        public bool MoveNext()
        {
            if (_rest == 0)
                return false;
            Current = BitOperations.TrailingZeroCount(_rest);
            _rest &= _rest - 1;
            return true;
        }
    }
}
