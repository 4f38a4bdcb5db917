namespace PgFusion.Planner.Binding;

/// <summary>
/// PostgreSQL's qsort (src/port/qsort.c over lib/sort_template.h: Bentley and McIlroy's quicksort
/// with an insertion sort below 7 elements, a presorted check, a median of three (of nine above
/// 40) and three-way partitioning). It is not stable, so where PostgreSQL sorts items that compare
/// equal but differ (grouping sets of one length, <see cref="SortedGroupingSets"/>), only the same
/// steps give the same order.
/// </summary>
internal static class PostgresQsort
{
    public static void Sort<T>(IList<T> items, Comparison<T> compare) => Sort(items, 0, items.Count, compare);

    private static void Sort<T>(IList<T> items, int a, int n, Comparison<T> compare)
    {
        while (true)
        {
            if (n < 7)
            {
                for (int m = a + 1; m < a + n; m++)
                    for (int l = m; l > a && compare(items[l - 1], items[l]) > 0; l--)
                        Swap(items, l, l - 1);
                return;
            }
            bool presorted = true;
            for (int m = a + 1; m < a + n && presorted; m++)
                presorted = compare(items[m - 1], items[m]) <= 0;
            if (presorted) return;
            int pm = a + (n / 2);
            if (n > 7)
            {
                int pl = a, pn = a + n - 1;
                if (n > 40)
                {
                    int d = n / 8;
                    pl = Median3(items, pl, pl + d, pl + (2 * d), compare);
                    pm = Median3(items, pm - d, pm, pm + d, compare);
                    pn = Median3(items, pn - (2 * d), pn - d, pn, compare);
                }
                pm = Median3(items, pl, pm, pn, compare);
            }
            Swap(items, a, pm);
            int pa = a + 1, pb = pa, pc = a + n - 1, pd = pc;
            while (true)
            {
                int r;
                while (pb <= pc && (r = compare(items[pb], items[a])) <= 0)
                {
                    if (r == 0) Swap(items, pa++, pb);
                    pb++;
                }
                while (pb <= pc && (r = compare(items[pc], items[a])) >= 0)
                {
                    if (r == 0) Swap(items, pc, pd--);
                    pc--;
                }
                if (pb > pc) break;
                Swap(items, pb++, pc--);
            }
            int end = a + n;
            int d1 = Math.Min(pa - a, pb - pa);
            SwapRange(items, a, pb - d1, d1);
            d1 = Math.Min(pd - pc, end - pd - 1);
            SwapRange(items, pb, end - d1, d1);
            d1 = pb - pa;
            int d2 = pd - pc;
            if (d1 <= d2)
            {
                if (d1 > 1) Sort(items, a, d1, compare);
                if (d2 <= 1) return;
                a = end - d2;
                n = d2;
            }
            else
            {
                if (d2 > 1) Sort(items, end - d2, d2, compare);
                if (d1 <= 1) return;
                n = d1;
            }
        }
    }

    private static int Median3<T>(IList<T> items, int a, int b, int c, Comparison<T> compare) =>
        compare(items[a], items[b]) < 0
            ? (compare(items[b], items[c]) < 0 ? b : compare(items[a], items[c]) < 0 ? c : a)
            : (compare(items[b], items[c]) > 0 ? b : compare(items[a], items[c]) < 0 ? a : c);

    private static void Swap<T>(IList<T> items, int i, int j) => (items[i], items[j]) = (items[j], items[i]);

    private static void SwapRange<T>(IList<T> items, int from, int to, int count)
    {
        for (int i = 0; i < count; i++) Swap(items, from + i, to + i);
    }
}
