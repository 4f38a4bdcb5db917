using System.Numerics;
using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Operators.Spill;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Operators.Sorting;

/// <summary>
/// The ORDER BY permutation of buffered rows: an LSD radix sort of the rows' normalized key words
/// (<see cref="SortKeyLayout"/>), least significant word first, each word sorted on the digits in
/// which its values differ (up to 11 bits a digit). Every pass is stable and the rows start in input
/// order, so rows with equal keys keep input order, as the comparison sort before did. When the
/// words are only a prefix of the keys (long text, keys without an encoding), each run of rows
/// with equal words is sorted again by the full comparison (<see cref="SortRowComparer"/>, then
/// input order).
/// </summary>
internal static class KeySort
{
    private const int MaxDigitBits = 11;

    public static int[] Order(Column[] keys, int count, IReadOnlyList<SortKey> sortKeys, ColumnOps[] ops)
    {
        var rows = new int[count];
        for (int i = 0; i < count; i++) rows[i] = i;
        if (count < 2) return rows;
        var layout = SortKeyLayout.Build(keys, count, sortKeys);
        var words = layout.Words;
        if (words.Length > 0)
        {
            var k = new ulong[count];
            var spareKeys = new ulong[count];
            var spareRows = new int[count];
            for (int w = words.Length - 1; w >= 0; w--)
            {
                var word = words[w];
                if (w == words.Length - 1) Array.Copy(word, k, count);
                else for (int i = 0; i < count; i++) k[i] = word[rows[i]];
                Radix(ref k, ref rows, ref spareKeys, ref spareRows, count);
            }
        }
        if (!layout.Complete) ResolveTies(rows, words, new FullOrder(keys, sortKeys, ops));
        return rows;
    }

    /// <summary>Stable LSD radix sort of (keys[i], rows[i]) by keys, over the bits in which the keys differ.</summary>
    private static void Radix(ref ulong[] keys, ref int[] rows, ref ulong[] spareKeys, ref int[] spareRows, int count)
    {
        ulong first = keys[0], differ = 0;
        for (int i = 1; i < count; i++) differ |= keys[i] ^ first;
        if (differ == 0) return;
        int low = BitOperations.TrailingZeroCount(differ);
        int span = 64 - BitOperations.LeadingZeroCount(differ) - low;
        int passes = (span + MaxDigitBits - 1) / MaxDigitBits;
        int digitBits = (span + passes - 1) / passes;
        int buckets = 1 << digitBits;
        ulong mask = (ulong)buckets - 1;
        var counts = new int[passes * buckets];
        for (int i = 0; i < count; i++)
        {
            ulong key = keys[i] >> low;
            for (int p = 0; p < passes; p++) counts[(p * buckets) + (int)((key >> (p * digitBits)) & mask)]++;
        }
        var offsets = new int[buckets];
        for (int p = 0; p < passes; p++)
        {
            int shift = low + (p * digitBits);
            int sum = 0;
            for (int d = 0; d < buckets; d++)
            {
                offsets[d] = sum;
                sum += counts[(p * buckets) + d];
            }
            var k = keys;
            var r = rows;
            var tk = spareKeys;
            var tr = spareRows;
            for (int i = 0; i < count; i++)
            {
                ulong key = k[i];
                int at = offsets[(int)((key >> shift) & mask)]++;
                tk[at] = key;
                tr[at] = r[i];
            }
            (keys, spareKeys) = (spareKeys, keys);
            (rows, spareRows) = (spareRows, rows);
        }
    }

    /// <summary>Sorts each run of rows whose words are all equal by the full keys, then input order.</summary>
    private static void ResolveTies(int[] rows, ulong[][] words, FullOrder order)
    {
        int start = 0;
        for (int i = 1; i <= rows.Length; i++)
        {
            if (i < rows.Length && SameWords(words, rows[start], rows[i])) continue;
            if (i - start > 1) Array.Sort(rows, start, i - start, order);
            start = i;
        }
    }

    private static bool SameWords(ulong[][] words, int a, int b)
    {
        foreach (var w in words)
        {
            if (w[a] != w[b]) return false;
        }
        return true;
    }

    private sealed class FullOrder(Column[] keys, IReadOnlyList<SortKey> sortKeys, ColumnOps[] ops) : IComparer<int>
    {
        public int Compare(int x, int y)
        {
            int c = SortRowComparer.Compare(keys, x, keys, y, sortKeys, ops);
            return c != 0 ? c : x.CompareTo(y);
        }
    }
}
