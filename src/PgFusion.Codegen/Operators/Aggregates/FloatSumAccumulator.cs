using System.Numerics;
using PgFusion.Arrow;
using PgFusion.Codegen.Functions;
using PgFusion.Codegen.Operators.Columns;
using System.Runtime.CompilerServices;
using PgFusion.Codegen.Kernels;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// sum(float8) (float8pl with its overflow check) and avg(float4/float8) (float8_accum's Sx / N;
/// float8_accum also keeps Sxx for avg, whose overflow is an error, so avg runs the whole step).
/// </summary>
public sealed class FloatSumAccumulator<T>(bool average) : Accumulator where T : unmanaged, IFloatingPoint<T>
{
    private double[] sums = new double[16];
    private long[] counts = new long[16];
    private double[] ns = average ? new double[16] : [];
    private double[] sxx = average ? new double[16] : [];

    public override void EnsureGroups(int groups)
    {
        sums = Grow(sums, groups);
        counts = Grow(counts, groups);
        if (average)
        {
            ns = Grow(ns, groups);
            sxx = Grow(sxx, groups);
        }
    }

    /// <summary>Group 0's transition state (sum, and N and Sxx for avg).</summary>
    internal (double Sum, double N, double Sxx) State => (sums[0], average ? ns[0] : 0, average ? sxx[0] : 0);

    /// <summary>One transition of <paramref name="v"/> on a copy of the state (raising as <see cref="Add"/> would), for replaying rows in order.</summary>
    internal void Replay(ref (double Sum, double N, double Sxx) state, double v)
    {
        if (average) FloatVarianceAccumulator<double>.Step(ref state.N, ref state.Sum, ref state.Sxx, v);
        else state.Sum = FloatFunctions.Float8Pl(state.Sum, v);
    }

    private void Add(int g, double v)
    {
        if (average) FloatVarianceAccumulator<double>.Step(ref ns[g], ref sums[g], ref sxx[g], v);
        else sums[g] = FloatFunctions.Float8Pl(sums[g], v);
        counts[g]++;
    }

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        var values = ((PrimitiveColumn<T>)arg!).Values;
        bool all = filter is null && arg.Validity is null;
        for (int r = 0; r < rows; r++)
        {
            if (!all && Skip(arg, filter, r)) continue;
            Add(groupIds[r], double.CreateChecked(values[r]));
        }
    }

    /// <summary>
    /// Group 0 += a[i] (or float8mul(a[i], b[i])) for each row i set in <paramref name="mask"/>, in
    /// row order as float8pl would add them (float8 only).
    /// </summary>
    public void FoldMasked(double[] a, double[]? b, ulong[] mask, int words) => FoldMasked(a, b, mask, 0, words);

    /// <summary>As <see cref="FoldMasked(double[], double[], ulong[], int)"/> over mask words [<paramref name="fromWord"/>, <paramref name="toWord"/>).</summary>
    [MethodImpl(HotLoop.Options)]
    public void FoldMasked(double[] a, double[]? b, ulong[] mask, int fromWord, int toWord)
    {
        if (average)
        {
            for (int w = fromWord; w < toWord; w++)
            {
                ulong bits = mask[w];
                int baseRow = w << 6;
                while (bits != 0)
                {
                    int i = baseRow + BitOperations.TrailingZeroCount(bits);
                    Add(0, b is null ? a[i] : FloatFunctions.Float8Mul(a[i], b[i]));
                    bits &= bits - 1;
                }
            }
            return;
        }
        double sum = sums[0];
        long n = 0;
        for (int w = fromWord; w < toWord; w++)
        {
            ulong bits = mask[w];
            int baseRow = w << 6;
            while (bits != 0)
            {
                int i = baseRow + BitOperations.TrailingZeroCount(bits);
                sum = FloatFunctions.Float8Pl(sum, b is null ? a[i] : FloatFunctions.Float8Mul(a[i], b[i]));
                n++;
                bits &= bits - 1;
            }
        }
        sums[0] = sum;
        counts[0] += n;
    }

    /// <summary>Folds rows[<paramref name="from"/>..<paramref name="to"/>) (ascending row numbers) into group 0: a[i], or a[i] * b[i].</summary>
    [MethodImpl(HotLoop.Options)]
    public void FoldRows(double[] a, double[]? b, int[] rows, int from, int to)
    {
        if (average)
        {
            for (int r = from; r < to; r++)
            {
                int i = rows[r];
                Add(0, b is null ? a[i] : FloatFunctions.Float8Mul(a[i], b[i]));
            }
            return;
        }
        double sum = sums[0];
        if (b is null)
        {
            for (int r = from; r < to; r++) sum = FloatFunctions.Float8Pl(sum, a[rows[r]]);
        }
        else
        {
            for (int r = from; r < to; r++)
            {
                int i = rows[r];
                sum = FloatFunctions.Float8Pl(sum, FloatFunctions.Float8Mul(a[i], b[i]));
            }
        }
        sums[0] = sum;
        counts[0] += to - from;
    }

    public override void Write(int group, Column output)
    {
        if (counts[group] == 0) ColumnAppend.Null(output);
        else ColumnAppend.Value(output, average ? sums[group] / counts[group] : sums[group]);
    }
}
