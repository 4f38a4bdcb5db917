using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Operators.Aggregates;

/// <summary>
/// The transition state of one aggregate for every group, in arrays indexed by group id, and its
/// final function. Update consumes a batch of evaluated arguments (compact rows 0..rows-1) with
/// their group ids; rows whose FILTER is not true are skipped.
/// </summary>
public abstract class Accumulator
{
    public abstract void EnsureGroups(int groups);

    public abstract void Update(Column? arg, BooleanColumn? filter, int rows, int[] groupIds);

    /// <summary>
    /// Update when every row belongs to group 0 (no GROUP BY); <paramref name="zeros"/> holds at
    /// least <paramref name="rows"/> zeros. Accumulators override it to keep their state in registers.
    /// </summary>
    public virtual void UpdateSingleGroup(Column? arg, BooleanColumn? filter, int rows, int[] zeros) => Update(arg, filter, rows, zeros);

    /// <summary>Appends group <paramref name="group"/>'s final value to <paramref name="output"/>.</summary>
    public abstract void Write(int group, Column output);

    protected static bool Skip(Column? arg, BooleanColumn? filter, int row) =>
        (filter is not null && (filter.IsNull(row) || !filter.Get(row))) || (arg is not null && arg.IsNull(row));

    protected static T[] Grow<T>(T[] array, int groups) =>
        groups <= array.Length ? array : Resize(array, Math.Max(groups, array.Length * 2));

    private static T[] Resize<T>(T[] array, int size)
    {
        Array.Resize(ref array, size);
        return array;
    }

    /// <summary>The accumulator for pg_aggregate's aggfnoid for its argument type; Unsupported otherwise.</summary>
    public static Func<Accumulator> Factory(BoundAggregate agg)
    {
        if (agg.Distinct) throw new UnsupportedException($"aggregate {agg.AggOid} ({agg.Name}) with DISTINCT is not supported");
        PgType? argType = agg.Args.Count > 0 ? agg.Args[0].Type : null;
        Func<Accumulator>? f = agg.AggOid switch
        {
            2803 => () => new CountAccumulator(countNulls: true),
            2147 => () => new CountAccumulator(countNulls: false),
            2108 => () => new SumIntAccumulator<int>(),
            2109 => () => new SumIntAccumulator<short>(),
            2107 => () => new SumInt8Accumulator(average: false),
            2114 => () => new NumericSumAccumulator(average: false),
            2110 => () => new SumFloat4Accumulator(),
            2111 => () => new FloatSumAccumulator<double>(average: false),
            2100 => () => new SumInt8Accumulator(average: true),
            2101 => () => new AvgIntAccumulator<int>(),
            2102 => () => new AvgIntAccumulator<short>(),
            2103 => () => new NumericSumAccumulator(average: true),
            2104 => () => new FloatSumAccumulator<float>(average: true),
            2105 => () => new FloatSumAccumulator<double>(average: true),
            >= 2115 and <= 2146 or 2244 or 2245 => MinMax(agg, argType!.Value),
            _ => null,
        };
        return f ?? throw new UnsupportedException($"aggregate {agg.AggOid} ({agg.Name}) is not supported");
    }

    private static Func<Accumulator>? MinMax(BoundAggregate agg, PgType type)
    {
        bool max = agg.AggOid is >= 2115 and <= 2130 or 2244;
        var clr = KernelTypes.ClrType(type);
        if (clr is null || clr == typeof(PgInterval) || clr == typeof(bool)) return null;
        if (type.Oid is PgTypeOid.Time or PgTypeOid.Timestamptz or PgTypeOid.Oid or PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8
            or PgTypeOid.Float4 or PgTypeOid.Float8 or PgTypeOid.Numeric or PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar
            or PgTypeOid.Date or PgTypeOid.Timestamp)
        {
            return () => new MinMaxAccumulator(type, max);
        }
        return null;
    }
}
