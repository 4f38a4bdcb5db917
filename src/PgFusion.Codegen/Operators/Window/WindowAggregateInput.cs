using PgFusion.Arrow;
using PgFusion.Codegen.Operators.Columns;

namespace PgFusion.Codegen.Operators.Window;

/// <summary>
/// What an aggregate used as a window function reads from its partition: its argument column (none
/// for count(*)) and its FILTER column (none without FILTER), copied a chunk of rows at a time into
/// scratch columns that the accumulator's Update takes (<see cref="Arg"/>, <see cref="Filter"/>).
/// </summary>
internal sealed class WindowAggregateInput
{
    private readonly Column? _arg;
    private readonly ColumnOps? _argOps;
    private readonly Column? _filter;
    private readonly ColumnOps? _filterOps;

    public WindowAggregateInput(WindowPartition partition, Column? arg, Column? filter, int chunk)
    {
        _arg = arg;
        _filter = filter;
        if (arg is not null)
        {
            _argOps = partition.OpsOf(arg);
            Arg = PgArrowMapping.CreateColumn(partition.TypeOf(arg), chunk);
        }
        if (filter is not null)
        {
            _filterOps = partition.OpsOf(filter);
            Filter = (BooleanColumn)PgArrowMapping.CreateColumn(partition.TypeOf(filter), chunk);
        }
    }

    /// <summary>The argument of the rows last gathered; null for count(*).</summary>
    public Column? Arg { get; }

    /// <summary>The FILTER of the rows last gathered (a row counts only where it is true); null without FILTER.</summary>
    public BooleanColumn? Filter { get; }

    /// <summary>Copies partition rows [<paramref name="first"/>, first + count).</summary>
    public void Gather(long first, int count)
    {
        if (_arg is not null) ColumnGather.Gather(_arg, null, (int)first, count, Arg!, _argOps!);
        if (_filter is not null) ColumnGather.Gather(_filter, null, (int)first, count, Filter!, _filterOps!);
    }

    /// <summary>Copies the partition rows <paramref name="selection"/>[0..count).</summary>
    public void Gather(int[] selection, int count)
    {
        if (_arg is not null) ColumnGather.Gather(_arg, selection, count, Arg!, _argOps!);
        if (_filter is not null) ColumnGather.Gather(_filter, selection, count, Filter!, _filterOps!);
    }
}
