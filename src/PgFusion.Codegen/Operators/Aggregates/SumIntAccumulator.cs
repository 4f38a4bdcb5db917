using System.Numerics;
using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>sum(int2) and sum(int4): an int8 sum (int2_sum / int4_sum), NULL for a group without values.</summary>
public sealed class SumIntAccumulator<T> : Accumulator where T : unmanaged, IBinaryInteger<T>
{
    private long[] sums = new long[16];
    private bool[] any = new bool[16];

    public override void EnsureGroups(int groups)
    {
        sums = Grow(sums, groups);
        any = Grow(any, groups);
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
            any[g] = true;
        }
    }

    public override bool CanMerge => true;

    /// <summary>int8 addition without a check, as int4_sum / int2_sum add.</summary>
    public override void Merge(int group, Accumulator other, int otherGroup)
    {
        var o = (SumIntAccumulator<T>)other;
        if (!o.any[otherGroup]) return;
        sums[group] += o.sums[otherGroup];
        any[group] = true;
    }

    public override void Write(int group, Column output)
    {
        if (any[group]) ColumnAppend.Value(output, sums[group]);
        else ColumnAppend.Null(output);
    }
}
