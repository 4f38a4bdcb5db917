using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;
using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>sum(int8) -> numeric and avg(int8) -> numeric: an Int128 sum (int8_avg_accum's 128-bit state).</summary>
public sealed class SumInt8Accumulator(bool average) : Accumulator
{
    private Int128[] sums = new Int128[16];
    private long[] counts = new long[16];

    public override void EnsureGroups(int groups)
    {
        sums = Grow(sums, groups);
        counts = Grow(counts, groups);
    }

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        var values = ((PrimitiveColumn<long>)arg!).Values;
        bool all = filter is null && arg.Validity is null;
        for (int r = 0; r < rows; r++)
        {
            if (!all && Skip(arg, filter, r)) continue;
            int g = groupIds[r];
            sums[g] += values[r];
            counts[g]++;
        }
    }

    public override bool CanMerge => true;

    public override void Merge(int group, Accumulator other, int otherGroup)
    {
        var o = (SumInt8Accumulator)other;
        sums[group] += o.sums[otherGroup];
        counts[group] += o.counts[otherGroup];
    }

    public override void Write(int group, Column output)
    {
        if (counts[group] == 0)
        {
            ColumnAppend.Null(output);
            return;
        }
        var sum = new PgNumeric(sums[group], 0);
        ColumnAppend.Numeric(output, average ? NumericMath.Div(sum, new PgNumeric(counts[group], 0)) : sum);
    }
}
