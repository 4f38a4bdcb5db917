using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// The variance family over int2/int4/int8/numeric (numeric.c do_numeric_accum and
/// numeric_stddev_internal): exact N, sum(X) and sum(X*X) in numeric (sum(X*X) at twice the
/// input dscale), NaN and ±Infinity inputs counted apart. Final: NULL for no input (or at most
/// one input for the sample statistics), NaN if any input was NaN or infinite, else
/// (N*sumX2 - sumX^2) / (N*(N-1) or N*N) by numeric_div's rules, 0 if the numerator is not
/// positive, and for stddev its square root at the division's scale.
/// </summary>
public sealed class NumericVarianceAccumulator(VarianceKind kind, PgType inputType) : Accumulator
{
    private long[] n = new long[16];
    private long[] special = new long[16];
    private PgNumeric[] sumX = new PgNumeric[16];
    private PgNumeric[] sumX2 = new PgNumeric[16];

    /// <summary>The per-group arrays (two counts, two PgNumeric sums: about 110 bytes a group) beyond the 32 bytes per group the aggregate's table size counts for a state.</summary>
    public override long HeldBytes => (long)sumX.Length * Math.Max(0, 16 + 2 * System.Runtime.CompilerServices.Unsafe.SizeOf<PgNumeric>() - 32);

    public override void EnsureGroups(int groups)
    {
        int old = sumX.Length;
        n = Grow(n, groups);
        special = Grow(special, groups);
        sumX = Grow(sumX, groups);
        sumX2 = Grow(sumX2, groups);
        for (int g = old; g < sumX.Length; g++)
        {
            sumX[g] = NumericMath.Zero;
            sumX2[g] = NumericMath.Zero;
        }
    }

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        bool all = filter is null && arg!.Validity is null;
        for (int r = 0; r < rows; r++)
        {
            if (!all && Skip(arg, filter, r)) continue;
            var x = Value(arg!, r);
            int g = groupIds[r];
            if (!x.IsFinite)
            {
                special[g]++;
                continue;
            }
            n[g]++;
            sumX[g] = NumericMath.Add(sumX[g], x);
            sumX2[g] = NumericMath.Add(sumX2[g], NumericMath.Mul(x, x));
        }
    }

    private PgNumeric Value(Column c, int row) => inputType.Oid switch
    {
        PgTypeOid.Int2 => new PgNumeric(((PrimitiveColumn<short>)c).Values[row], 0),
        PgTypeOid.Int4 => new PgNumeric(((PrimitiveColumn<int>)c).Values[row], 0),
        PgTypeOid.Int8 => new PgNumeric(((PrimitiveColumn<long>)c).Values[row], 0),
        _ => KernelColumns.GetNumeric((DecimalColumn)c, row),
    };

    public override void Write(int group, Column output)
    {
        long total = n[group] + special[group];
        if (total == 0 || (kind.IsSample() && total <= 1))
        {
            ColumnAppend.Null(output);
            return;
        }
        if (special[group] > 0)
        {
            ColumnAppend.Numeric(output, PgNumeric.NaN);
            return;
        }
        ColumnAppend.Numeric(output, Final(n[group], sumX[group], sumX2[group], kind));
    }

    /// <summary>numeric_stddev_internal's arithmetic on finite sums (exact products, then numeric_div and sqrt_var).</summary>
    public static PgNumeric Final(long count, PgNumeric sumX, PgNumeric sumX2, VarianceKind kind)
    {
        var vN = new PgNumeric(count, 0);
        int rscale = sumX.Scale * 2;
        var sq = NumericMath.Mul(sumX, sumX);
        var nx2 = NumericMath.Mul(vN, sumX2);
        // mul_var at rscale = 2 * dscale(sumX) keeps these products exact; align their dscale to it.
        var numerator = NumericMath.Sub(NumericMath.RoundToScale(nx2, rscale), NumericMath.RoundToScale(sq, rscale));
        if (NumericMath.Sign(numerator) <= 0) return NumericMath.Zero;
        var denominator = new PgNumeric((Int128)count * (kind.IsSample() ? count - 1 : count), 0);
        var variance = NumericMath.Div(numerator, denominator);
        return kind.IsStddev() ? NumericMath.Sqrt(variance, variance.Scale) : variance;
    }
}
