using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>count(*) (every row) and count(expr) (non-null rows). Never NULL: 0 for an empty group.</summary>
public sealed class CountAccumulator(bool countNulls) : Accumulator
{
    private long[] counts = new long[16];

    /// <summary>Whether NULL rows count too (count(*)).</summary>
    public bool CountsNulls => countNulls;

    public override void EnsureGroups(int groups) => counts = Grow(counts, groups);

    public override void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds)
    {
        if (filter is null && (countNulls || arg is null || arg.Validity is null))
        {
            for (int r = 0; r < rows; r++) counts[groupIds[r]]++;
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            if (!Skip(countNulls ? null : arg, filter, r)) counts[groupIds[r]]++;
        }
    }

    public override void UpdateSingleGroup(Column? arg, BooleanColumn? filter, int rows, int[] zeros)
    {
        if (filter is null && (countNulls || arg is null || arg.Validity is null)) counts[0] += rows;
        else Update(arg, filter, rows, zeros);
    }

    /// <summary>Counts <paramref name="rows"/> more rows in group <paramref name="group"/> (a fused caller counted them).</summary>
    public void AddToGroup(int group, long rows) => counts[group] += rows;

    public override bool CanMerge => true;

    public override void Merge(int group, Accumulator other, int otherGroup) => counts[group] += ((CountAccumulator)other).counts[otherGroup];

    public override void Write(int group, Column output) => ColumnAppend.Value(output, counts[group]);
}
