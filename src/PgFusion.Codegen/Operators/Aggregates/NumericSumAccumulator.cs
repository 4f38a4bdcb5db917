using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// sum(numeric) and avg(numeric) (numeric_accum / numeric_sum / numeric_avg): the exact sum with
/// the largest input dscale, NaN / ±Infinity per numeric.c, avg = numeric_div(sum, count).
/// Batches of a fixed-scale column of at most 18 digits add raw Int128 unscaled values.
/// </summary>
public sealed class NumericSumAccumulator(bool average) : Accumulator
{
    private Int128[] fastSums = new Int128[16];
    private short[] fastScale = new short[16];
    private bool[] hasFast = new bool[16];
    private PgNumeric[] slowSums = new PgNumeric[16];
    private bool[] hasSlow = new bool[16];
    private long[] counts = new long[16];

    public override void EnsureGroups(int groups)
    {
        fastSums = Grow(fastSums, groups);
        fastScale = Grow(fastScale, groups);
        hasFast = Grow(hasFast, groups);
        slowSums = Grow(slowSums, groups);
        hasSlow = Grow(hasSlow, groups);
        counts = Grow(counts, groups);
    }

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        var column = (DecimalColumn)arg!;
        bool all = filter is null && column.Validity is null;
        if (column.FixedScale >= 0 && column.Kinds is null && column.Type.Precision <= 18)
        {
            var values = column.Values;
            short scale = (short)column.FixedScale;
            if (all)
            {
                var sums = fastSums;
                var n = counts;
                for (int r = 0; r < rows; r++)
                {
                    int g = groupIds[r];
                    sums[g] += values[r];
                    n[g]++;
                }
                for (int r = 0; r < rows; r++)
                {
                    int g = groupIds[r];
                    if (!hasFast[g])
                    {
                        hasFast[g] = true;
                        fastScale[g] = scale;
                    }
                }
                return;
            }
            for (int r = 0; r < rows; r++)
            {
                if (!all && Skip(column, filter, r)) continue;
                int g = groupIds[r];
                fastSums[g] += values[r];
                fastScale[g] = scale;
                hasFast[g] = true;
                counts[g]++;
            }
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            if (!all && Skip(column, filter, r)) continue;
            int g = groupIds[r];
            var v = KernelColumns.GetNumeric(column, r);
            slowSums[g] = hasSlow[g] ? NumericMath.Add(slowSums[g], v) : v;
            hasSlow[g] = true;
            counts[g]++;
        }
    }

    public override void UpdateSingleGroup(Column? arg, BooleanColumn? filter, int rows, int[] zeros)
    {
        var column = (DecimalColumn)arg!;
        if (filter is not null || column.Validity is not null || column.FixedScale < 0 || column.Kinds is not null || column.Type.Precision > 18)
        {
            Update(arg, filter, rows, zeros);
            return;
        }
        // |value| < 10^18 and rows <= int.MaxValue: an Int128 local cannot overflow
        var values = column.Values;
        Int128 sum = 0;
        for (int r = 0; r < rows; r++) sum += values[r];
        if (rows == 0) return;
        fastSums[0] += sum;
        fastScale[0] = (short)column.FixedScale;
        hasFast[0] = true;
        counts[0] += rows;
    }

    public override void Write(int group, Column output)
    {
        if (counts[group] == 0)
        {
            ColumnAppend.Null(output);
            return;
        }
        PgNumeric sum;
        if (hasFast[group] && hasSlow[group]) sum = NumericMath.Add(slowSums[group], new PgNumeric(fastSums[group], fastScale[group]));
        else if (hasFast[group]) sum = new PgNumeric(fastSums[group], fastScale[group]);
        else sum = slowSums[group];
        ColumnAppend.Numeric(output, average ? NumericMath.Div(sum, new PgNumeric(counts[group], 0)) : sum);
    }
}
