using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>bool_and / every (booland_statefunc) and bool_or (boolor_statefunc): NULL inputs are skipped; NULL for a group without input.</summary>
public sealed class BoolAndOrAccumulator(bool isAnd) : Accumulator
{
    private byte[] state = new byte[16]; // 0 = no input yet, 1 = false, 2 = true

    public override void EnsureGroups(int groups) => state = Grow(state, groups);

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        var values = (BooleanColumn)arg!;
        for (int r = 0; r < rows; r++)
        {
            if (Skip(arg, filter, r)) continue;
            int g = groupIds[r];
            bool v = values.Get(r);
            bool current = state[g] == 0 ? isAnd : state[g] == 2;
            state[g] = (isAnd ? current && v : current || v) ? (byte)2 : (byte)1;
        }
    }

    public override bool CanMerge => true;

    public override void Merge(int group, Accumulator other, int otherGroup)
    {
        byte o = ((BoolAndOrAccumulator)other).state[otherGroup];
        if (o == 0) return;
        if (state[group] == 0) state[group] = o;
        else state[group] = (isAnd ? state[group] == 2 && o == 2 : state[group] == 2 || o == 2) ? (byte)2 : (byte)1;
    }

    public override void Write(int group, Column output)
    {
        if (state[group] == 0) ColumnAppend.Null(output);
        else ColumnAppend.Bool(output, state[group] == 2);
    }
}
