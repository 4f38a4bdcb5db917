using System.Numerics;
using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>avg(int2) / avg(int4): int8 sum and count, final numeric_div(sum, count) (int8_avg).</summary>
public sealed class AvgIntAccumulator<T> : Accumulator where T : unmanaged, IBinaryInteger<T>
{
    private long[] sums = new long[16];
    private long[] counts = new long[16];

    public override void EnsureGroups(int groups)
    {
        sums = Grow(sums, groups);
        counts = Grow(counts, groups);
    }

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        var values = ((PrimitiveColumn<T>)arg!).Values;
        bool all = filter is null && arg.Validity is null;
        for (int r = 0; r < rows; r++)
        {
            if (!all && Skip(arg, filter, r)) continue;
            int g = groupIds[r];
            sums[g] += long.CreateTruncating(values[r]);
            counts[g]++;
        }
    }

    public override bool CanMerge => true;

    public override void Merge(int group, Accumulator other, int otherGroup)
    {
        var o = (AvgIntAccumulator<T>)other;
        sums[group] += o.sums[otherGroup];
        counts[group] += o.counts[otherGroup];
    }

    public override void Write(int group, Column output)
    {
        if (counts[group] == 0) ColumnAppend.Null(output);
        else ColumnAppend.Numeric(output, NumericMath.Div(new PgNumeric(sums[group], 0), new PgNumeric(counts[group], 0)));
    }
}
