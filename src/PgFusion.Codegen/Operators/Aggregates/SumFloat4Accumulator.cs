using PgFusion.Arrow;
using PgFusion.Codegen.Functions;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>sum(float4): a float4 running sum (float4pl), as PostgreSQL keeps it.</summary>
public sealed class SumFloat4Accumulator : Accumulator
{
    private float[] sums = new float[16];
    private bool[] any = new bool[16];

    public override void EnsureGroups(int groups)
    {
        sums = Grow(sums, groups);
        any = Grow(any, groups);
    }

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        var values = ((PrimitiveColumn<float>)arg!).Values;
        for (int r = 0; r < rows; r++)
        {
            if (Skip(arg, filter, r)) continue;
            int g = groupIds[r];
            sums[g] = any[g] ? FloatFunctions.Float4Pl(sums[g], values[r]) : values[r];
            any[g] = true;
        }
    }

    public override void Write(int group, Column output)
    {
        if (any[group]) ColumnAppend.Value(output, sums[group]);
        else ColumnAppend.Null(output);
    }
}
