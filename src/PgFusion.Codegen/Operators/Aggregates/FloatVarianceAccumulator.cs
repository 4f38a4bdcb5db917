using System.Numerics;
using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Values;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// The variance family over float4/float8 (float.c float8_accum, Youngs-Cramer: N, Sx, Sxx in
/// float8, in input order), with float8_var_pop/var_samp/stddev_pop/stddev_samp as finals.
/// </summary>
public sealed class FloatVarianceAccumulator<T>(VarianceKind kind) : Accumulator where T : unmanaged, IFloatingPoint<T>
{
    private double[] n = new double[16];
    private double[] sx = new double[16];
    private double[] sxx = new double[16];

    public override void EnsureGroups(int groups)
    {
        n = Grow(n, groups);
        sx = Grow(sx, groups);
        sxx = Grow(sxx, groups);
    }

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        var values = ((PrimitiveColumn<T>)arg!).Values;
        bool all = filter is null && arg.Validity is null;
        for (int r = 0; r < rows; r++)
        {
            if (!all && Skip(arg, filter, r)) continue;
            Accum(groupIds[r], double.CreateChecked(values[r]));
        }
    }

    private void Accum(int g, double newval) => Step(ref n[g], ref sx[g], ref sxx[g], newval);

    /// <summary>
    /// One float8_accum step (N, Sx, Sxx); avg(float4/float8) runs it too, so its Sxx overflow
    /// raises 22003 as PostgreSQL's does.
    /// </summary>
    internal static void Step(ref double n, ref double sx, ref double sxx, double newval)
    {
        double oldN = n, oldSx = sx, oldSxx = sxx;
        double nN = oldN + 1.0;
        double nSx = oldSx + newval;
        double nSxx = oldSxx;
        if (oldN > 0.0)
        {
            double tmp = (newval * nN) - nSx;
            nSxx += tmp * tmp / (nN * oldN);
            // Overflow is an error only when finite inputs give an infinite result; an infinite
            // input makes Sxx NaN instead.
            if (double.IsInfinity(nSx) || double.IsInfinity(nSxx))
            {
                if (!double.IsInfinity(oldSx) && !double.IsInfinity(newval)) PgErrors.FloatOverflow();
                nSxx = double.NaN;
            }
        }
        else if (double.IsNaN(newval) || double.IsInfinity(newval))
        {
            // The first input being Inf or NaN must not leave a variance of zero behind.
            nSxx = double.NaN;
        }
        n = nN;
        sx = nSx;
        sxx = nSxx;
    }

    public override void Write(int group, Column output)
    {
        double count = n[group];
        bool sample = kind.IsSample();
        if (count == 0.0 || (sample && count <= 1.0))
        {
            ColumnAppend.Null(output);
            return;
        }
        double variance = sxx[group] / (sample ? count - 1.0 : count);
        ColumnAppend.Value(output, kind.IsStddev() ? Math.Sqrt(variance) : variance);
    }
}
