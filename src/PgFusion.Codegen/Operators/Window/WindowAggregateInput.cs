using PgFusion.Arrow;

namespace PgFusion.Codegen.Operators.Window;

/// <summary>
/// What an aggregate used as a window function reads from its partition: its argument column (none
/// for count(*)) and its FILTER column (none without FILTER), copied a chunk of rows at a time into
/// scratch columns that the accumulator's Update takes (<see cref="Arg"/>, <see cref="Filter"/>),
/// from the partition's memory or its spilled blocks (<see cref="WindowPartition.Gather(int, long, int, Column)"/>).
/// </summary>
internal sealed class WindowAggregateInput
{
    private readonly WindowPartition _partition;
    private readonly int? _arg;
    private readonly int? _filter;

    /// <param name="arg">The argument's input column; null for count(*).</param>
    /// <param name="filter">The FILTER's input column; null without FILTER.</param>
    public WindowAggregateInput(WindowPartition partition, int? arg, int? filter, int chunk)
    {
        _partition = partition;
        _arg = arg;
        _filter = filter;
        if (arg is { } a) Arg = PgArrowMapping.CreateColumn(partition.TypeOf(a), chunk);
        if (filter is { } f) Filter = (BooleanColumn)PgArrowMapping.CreateColumn(partition.TypeOf(f), chunk);
    }

    /// <summary>The argument of the rows last gathered; null for count(*).</summary>
    public Column? Arg { get; }

    /// <summary>The FILTER of the rows last gathered (a row counts only where it is true); null without FILTER.</summary>
    public BooleanColumn? Filter { get; }

    /// <summary>Copies partition rows [<paramref name="first"/>, first + count).</summary>
    public void Gather(long first, int count)
    {
        if (_arg is { } a) _partition.Gather(a, first, count, Arg!);
        if (_filter is { } f) _partition.Gather(f, first, count, Filter!);
    }

    /// <summary>Copies the partition rows <paramref name="selection"/>[0..count).</summary>
    public void Gather(int[] selection, int count)
    {
        if (_arg is { } a) _partition.Gather(a, selection, count, Arg!);
        if (_filter is { } f) _partition.Gather(f, selection, count, Filter!);
    }
}
