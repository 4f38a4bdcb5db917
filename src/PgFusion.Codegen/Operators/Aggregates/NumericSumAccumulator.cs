using System.Numerics;
using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Values;
using PgFusion.Types;
using System.Runtime.CompilerServices;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// sum(numeric) and avg(numeric) (numeric_accum / numeric_sum / numeric_avg): the exact sum with
/// the largest input dscale, NaN / ±Infinity per numeric.c, avg = numeric_div(sum, count).
/// Batches whose values share one scale and are finite (a numeric(p, s) column, or the output of a
/// fixed-scale kernel) add raw Int128 unscaled values (fastSums, at the accumulator's one
/// sumScale): a numeric(p &lt;= 18, s) column as is, others after a check that every value is
/// below 2^95; the Int128 sums move into the exact PgNumeric sums every 2^31 rows, so they stay
/// below 2^127. Other batches add PgNumerics (slowSums).
/// </summary>
public sealed class NumericSumAccumulator(bool average) : Accumulator
{
    private const long FlushRows = 1L << 31;
    private static readonly Int128 TwoPow125 = Int128.One << 125;

    private Int128[] fastSums = new Int128[16];
    private long[] fastCounts = new long[16]; // rows in fastSums per group
    private PgNumeric[] slowSums = new PgNumeric[16];
    private long[] slowCounts = new long[16]; // rows in slowSums per group (NaN and ±Infinity included)
    private int sumScale = -1; // the scale of every fastSums entry (an expression has one)
    private long fastRows; // rows added to fastSums by Update since they last moved into slowSums

    /// <summary>
    /// The per-group arrays (an Int128 sum, a PgNumeric sum and two counts: about 80 bytes a group)
    /// beyond the 32 bytes per group the aggregate's table size counts for a state, by the arrays'
    /// length. A sum too wide for 128 bits (BigInteger) is not counted: one per group at most.
    /// </summary>
    public override long HeldBytes => (long)fastSums.Length * Math.Max(0, 16 + 8 + 8 + Unsafe.SizeOf<PgNumeric>() - 32);

    public override void EnsureGroups(int groups)
    {
        fastSums = Grow(fastSums, groups);
        fastCounts = Grow(fastCounts, groups);
    }

    // The exact PgNumeric sums grow only when a group first needs one (a batch that is not fast, a
    // flush, a merge): a numeric(p, s) column's sums stay Int128 throughout, and growing slowSums
    // (48 bytes a group) and slowCounts with fastSums made fresh arrays whose pages faulted one by
    // one (TPC-H Q11's 32K groups: ~3 MB a run; perf/perf21-2026-12-02.md). A group past their
    // length has no exact sum yet (count 0).
    private void EnsureSlow(int g)
    {
        if (g < slowCounts.Length) return;
        int length = Math.Max(g + 1, fastCounts.Length);
        slowSums = Grow(slowSums, length);
        slowCounts = Grow(slowCounts, length);
    }

    private long SlowCount(int g) => g < slowCounts.Length ? slowCounts[g] : 0;

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        var column = (DecimalColumn)arg!;
        bool all = filter is null && column.Validity is null;
        if (FastEligible(column, rows))
        {
            var values = column.Values;
            var sums = fastSums;
            var n = fastCounts;
            if (all)
            {
                for (int r = 0; r < rows; r++)
                {
                    int g = groupIds[r];
                    sums[g] += values[r];
                    n[g]++;
                }
                return;
            }
            for (int r = 0; r < rows; r++)
            {
                if (Skip(column, filter, r)) continue;
                int g = groupIds[r];
                sums[g] += values[r];
                n[g]++;
            }
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            if (!all && Skip(column, filter, r)) continue;
            AddSlowSum(groupIds[r], KernelColumns.GetNumeric(column, r), 1);
        }
    }

    public override void UpdateSingleGroup(Column? arg, BooleanColumn? filter, int rows, int[] zeros)
    {
        var column = (DecimalColumn)arg!;
        if (filter is not null || column.Validity is not null || !FastEligible(column, rows))
        {
            Update(arg, filter, rows, zeros);
            return;
        }
        // |value| < 2^95 and rows <= int.MaxValue: an Int128 local cannot overflow
        var values = column.Values;
        Int128 sum = 0;
        for (int r = 0; r < rows; r++) sum += values[r];
        fastSums[0] += sum;
        fastCounts[0] += rows;
    }

    /// <summary>
    /// The batch adds raw unscaled values: finite, one scale equal to the sums', and below 2^95
    /// (a numeric(p &lt;= 18) column by its type, others by looking); moves the Int128 sums into
    /// the exact ones first when 2^31 more rows could overflow them.
    /// </summary>
    private bool FastEligible(DecimalColumn column, int rows)
    {
        if (column.Scales is not null || column.FixedScale < 0 || column.Kinds is not null || column.Big is not null) return false;
        if (sumScale >= 0 && sumScale != column.FixedScale) return false;
        if (!(column.DeclaredScale >= 0 && column.Type.Precision <= 18) && !Below2Pow95(column.Values, rows)) return false;
        if (fastRows + rows > FlushRows) Flush();
        fastRows += rows;
        sumScale = column.FixedScale;
        return true;
    }

    /// <summary>A batch of raw sums at <paramref name="scale"/> may be added (<see cref="AddRaw"/>): the sums are at that scale or empty.</summary>
    internal bool CanTakeRaw(int scale) => sumScale < 0 || sumScale == scale;

    /// <summary>
    /// Starts adding raw per-group sums of <paramref name="rows"/> values below 2^63 at
    /// <paramref name="scale"/> (after <see cref="CanTakeRaw"/>): the same budget as Update's.
    /// </summary>
    internal void BeginRaw(int scale, int rows)
    {
        if (fastRows + rows > FlushRows) Flush();
        fastRows += rows;
        sumScale = scale;
    }

    /// <summary>Adds the exact sum of <paramref name="rows"/> values of group <paramref name="g"/>.</summary>
    internal void AddRaw(int g, Int128 sum, long rows)
    {
        fastSums[g] += sum;
        fastCounts[g] += rows;
    }

    private static bool Below2Pow95(Int128[] values, int rows)
    {
        ulong outside = 0;
        for (int r = 0; r < rows; r++)
        {
            long high = (long)(values[r] >> 64);
            outside |= (ulong)(high + (1L << 31)) >> 32;
        }
        return outside == 0;
    }

    /// <summary>Moves every group's Int128 sum into its exact sum.</summary>
    private void Flush()
    {
        for (int g = 0; g < fastCounts.Length; g++)
        {
            if (fastCounts[g] == 0) continue;
            AddSlowSum(g, new PgNumeric(fastSums[g], (short)sumScale), fastCounts[g]);
            fastSums[g] = 0;
            fastCounts[g] = 0;
        }
        fastRows = 0;
    }

    /// <summary>
    /// Group 0 += a[i] (or a[i] * b[i]) for each row i set in <paramref name="mask"/>: finite values
    /// of at most 18 digits (so each fits a long and a product is below 10^36), the sum at
    /// <paramref name="scale"/> (a's, or a's + b's: numeric_mul's exact product).
    /// </summary>
    public void FoldMasked(Int128[] a, Int128[]? b, int scale, ulong[] mask, int words) => FoldMasked(a, b, scale, mask, 0, words);

    /// <summary>As <see cref="FoldMasked(Int128[], Int128[], int, ulong[], int)"/> over mask words [<paramref name="fromWord"/>, <paramref name="toWord"/>).</summary>
    [MethodImpl(HotLoop.Options)]
    public void FoldMasked(Int128[] a, Int128[]? b, int scale, ulong[] mask, int fromWord, int toWord)
    {
        Int128 total = 0;
        long pending = 0;
        for (int w = fromWord; w < toWord; w++)
        {
            ulong bits = mask[w];
            if (bits == 0) continue;
            int count = BitOperations.PopCount(bits);
            int baseRow = w << 6;
            Int128 part = 0; // at most 64 values below 10^36: below 2^126
            if (b is null)
            {
                for (; bits != 0; bits &= bits - 1) part += a[baseRow + BitOperations.TrailingZeroCount(bits)];
            }
            else
            {
                for (; bits != 0; bits &= bits - 1)
                {
                    int i = baseRow + BitOperations.TrailingZeroCount(bits);
                    part += Math.BigMul((long)a[i], (long)b[i]);
                }
            }
            Int128 r = total + part;
            if (((total ^ r) & (part ^ r)) < 0)
            {
                AddPartial(total, scale, pending);
                pending = 0;
                r = part;
            }
            total = r;
            pending += count;
        }
        if (pending > 0) AddPartial(total, scale, pending);
    }

    /// <summary>Adds an exact partial sum of <paramref name="rows"/> values at <paramref name="scale"/> to group 0.</summary>
    private void AddPartial(Int128 partial, int scale, long rows)
    {
        if ((sumScale < 0 || sumScale == scale) && partial > -TwoPow125 && partial < TwoPow125 && fastSums[0] > -TwoPow125 && fastSums[0] < TwoPow125)
        {
            // below 2^126 now; Update's own budget (2^31 rows below 2^95 between flushes) keeps it below 2^127
            fastSums[0] += partial;
            fastCounts[0] += rows;
            sumScale = scale;
            return;
        }
        AddSlowSum(0, new PgNumeric(partial, (short)scale), rows);
    }

    public override bool CanMerge => true;

    /// <summary>
    /// Adds the other partial's exact sum (its Int128 sum at its scale, then its PgNumeric sum) to
    /// this group's exact PgNumeric sum (numeric_combine): the total is the same exact value, and
    /// NaN / ±Infinity combine as numeric addition does, in any order.
    /// </summary>
    public override void Merge(int group, Accumulator other, int otherGroup)
    {
        var o = (NumericSumAccumulator)other;
        if (o.fastCounts[otherGroup] > 0 && CanTakeRaw(o.sumScale) && Below2Pow125(fastSums[group]) && Below2Pow125(o.fastSums[otherGroup]))
        {
            // both below 2^125: the sum stays below 2^126, and Update's budget since the last flush
            // (2^31 rows below 2^95) keeps it below 2^127 (the sliding window merges per row)
            fastSums[group] += o.fastSums[otherGroup];
            fastCounts[group] += o.fastCounts[otherGroup];
            sumScale = o.sumScale;
        }
        else if (o.fastCounts[otherGroup] > 0)
        {
            AddSlowSum(group, new PgNumeric(o.fastSums[otherGroup], (short)o.sumScale), o.fastCounts[otherGroup]);
        }
        if (o.SlowCount(otherGroup) > 0) AddSlowSum(group, o.slowSums[otherGroup], o.slowCounts[otherGroup]);
    }

    private static bool Below2Pow125(Int128 v) => v > -TwoPow125 && v < TwoPow125;

    /// <summary>Adds an exact sum of <paramref name="rows"/> values to group <paramref name="g"/>'s exact sum (grown on first need).</summary>
    private void AddSlowSum(int g, PgNumeric sum, long rows)
    {
        EnsureSlow(g);
        slowSums[g] = slowCounts[g] > 0 ? NumericMath.Add(slowSums[g], sum) : sum;
        slowCounts[g] += rows;
    }

    public override void Write(int group, Column output)
    {
        long slow = SlowCount(group);
        long n = fastCounts[group] + slow;
        if (n == 0)
        {
            ColumnAppend.Null(output);
            return;
        }
        PgNumeric sum;
        var fast = new PgNumeric(fastSums[group], (short)Math.Max(sumScale, 0));
        if (fastCounts[group] > 0 && slow > 0) sum = NumericMath.Add(slowSums[group], fast);
        else if (fastCounts[group] > 0) sum = fast;
        else sum = slowSums[group];
        ColumnAppend.Numeric(output, average ? NumericMath.Div(sum, new PgNumeric(n, 0)) : sum);
    }
}
