using PgFusion.Arrow;

namespace PgFusion.Codegen.Operators.Window;

/// <summary>
/// RANGE frame bounds with an offset over one int2/int4/int8 ORDER BY key, as nodeWindowAgg.c's
/// update_frameheadpos / update_frametailpos with in_range_intN_intM. The keys are read as Int128,
/// negated for a descending key, so the partition is ascending in them and PRECEDING always means
/// smaller; key ± offset is exact there, which is what in_range's overflow cases answer (a sum past
/// the type's range is past every value). NULL keys sort before every value (NULLS FIRST) or after
/// (NULLS LAST), as PostgreSQL compares them while it moves the frame's ends: a row with a NULL key
/// has its NULL peers as frame, and a row with a value never takes in NULL rows through an offset
/// bound (an UNBOUNDED bound still does, and an end that falls before every value lands on the
/// last NULL row of NULLS FIRST, a start past every value on the first NULL row of NULLS LAST).
/// </summary>
internal sealed class WindowFrameRange
{
    private readonly Int128[] _keys; // the key, negated when descending; NULLs at Int128.Min/Max
    private readonly bool[] _null;

    public WindowFrameRange(Column key, int rows, bool descending)
    {
        _keys = new Int128[rows];
        _null = new bool[rows];
        int firstValue = -1;
        for (int r = 0; r < rows; r++)
        {
            if (key.IsNull(r))
            {
                _null[r] = true;
                // NULLs are contiguous at one end of the partition: before the first value or after it.
                _keys[r] = firstValue < 0 ? Int128.MinValue : Int128.MaxValue;
                continue;
            }
            if (firstValue < 0) firstValue = r;
            Int128 v = key switch
            {
                PrimitiveColumn<short> c => c.Values[r],
                PrimitiveColumn<int> c => c.Values[r],
                PrimitiveColumn<long> c => c.Values[r],
                _ => throw new InvalidOperationException($"RANGE frame offset over a {key.GetType().Name} ORDER BY key (the binder takes only int2, int4 and int8)"),
            };
            _keys[r] = descending ? -v : v;
        }
    }

    /// <summary>
    /// The first row of row <paramref name="i"/>'s frame (<paramref name="isStart"/>) or its last
    /// row, for a bound <paramref name="offset"/> PRECEDING (<paramref name="preceding"/>) or FOLLOWING.
    /// </summary>
    public long Bound(int i, long offset, bool preceding, bool isStart, int peerStart, int peerEnd)
    {
        if (_null[i]) return isStart ? peerStart : peerEnd - 1;
        Int128 target = preceding ? _keys[i] - offset : _keys[i] + offset;
        // start: the first row whose key is >= target; end: the row before the first whose key is > target
        return isStart ? FirstAtLeast(target, inclusive: true) : FirstAtLeast(target, inclusive: false) - 1;
    }

    /// <summary>The first row whose key is &gt;= (<paramref name="inclusive"/>) or &gt; <paramref name="target"/>; the row count when none.</summary>
    private int FirstAtLeast(Int128 target, bool inclusive)
    {
        int lo = 0, hi = _keys.Length;
        while (lo < hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            bool before = inclusive ? _keys[mid] < target : _keys[mid] <= target;
            if (before) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
