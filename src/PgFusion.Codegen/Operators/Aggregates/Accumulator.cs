using PgFusion.Arrow;
using PgFusion.Codegen.Kernels;
using PgFusion.Codegen.Operators.Columns;
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

    /// <summary>
    /// Whether <see cref="Merge"/> folds another accumulator's state in exactly, whatever rows each
    /// saw: a parallel scan's partial aggregates merge (PostgreSQL's combine functions). Only
    /// aggregates whose result does not depend on the order of rows say yes.
    /// </summary>
    public virtual bool CanMerge => false;

    /// <summary>
    /// Folds group <paramref name="otherGroup"/> of <paramref name="other"/> (an accumulator of the
    /// same kind that saw other rows) into group <paramref name="group"/> of this one.
    /// </summary>
    public virtual void Merge(int group, Accumulator other, int otherGroup) =>
        throw new InvalidOperationException($"{GetType().Name} has no combine step");

    /// <summary>
    /// Bytes of state this accumulator holds in memory beyond the fixed per-group arrays (the value
    /// sets of DISTINCT, the buffered rows of ORDER BY, string_agg's text), counted against the
    /// memory budget by <see cref="Spill.AggregateSpill.Bytes"/>.
    /// </summary>
    public virtual long HeldBytes => 0;

    /// <summary>
    /// Called once, before the first row, when the execution has a memory budget: accumulators that
    /// buffer rows write sorted runs to the execution's spill space once they hold more than
    /// <paramref name="budget"/> bytes (their share of it, see <see cref="HoldsRows"/>).
    /// </summary>
    internal virtual void UseSpill(ExecutionContext context, long budget, OperatorNode node)
    {
    }

    /// <summary>Whether this accumulator buffers rows and spills them as runs (DISTINCT, ORDER BY): each takes a share of the budget.</summary>
    internal virtual bool HoldsRows => false;

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
        var plain = PlainFactory(agg);
        if (agg.OrderBy is { Count: > 0 } order && agg.Args.Count > 0)
        {
            if (agg.Distinct) return DistinctOrdered(agg, plain, order);
            foreach (var k in order)
            {
                if (!ColumnOps.For(k.Expr.Type).CanCompare) throw new UnsupportedException($"ORDER BY {k.Expr.Type} inside aggregate {agg.AggOid} ({agg.Name}) is not supported");
            }
            var types = agg.Args.Select(a => a.Type).ToArray();
            return () => new OrderedAccumulator(plain(), types, order);
        }
        if (!agg.Distinct) return plain;
        if (agg.Args.Count == 0) throw new UnsupportedException($"aggregate {agg.AggOid} ({agg.Name}) with DISTINCT and no arguments");
        foreach (var a in agg.Args)
        {
            if (!ColumnOps.For(a.Type).CanCompare) throw new UnsupportedException($"DISTINCT in aggregate {agg.AggOid} ({agg.Name}) on {a.Type} is not supported");
        }
        var argTypes = agg.Args.Select(a => a.Type).ToArray();
        return () => new DistinctAccumulator(plain(), argTypes);
    }

    /// <summary>
    /// agg(DISTINCT args ORDER BY keys): PostgreSQL requires every key to be an argument; the
    /// distinct rows replay sorted by the keys, then by the other arguments ascending.
    /// </summary>
    private static Func<Accumulator> DistinctOrdered(BoundAggregate agg, Func<Accumulator> plain, IReadOnlyList<AggregateSortKey> order)
    {
        var spec = new List<(int Arg, bool Descending, bool NullsFirst)>();
        foreach (var k in order)
        {
            int arg = Enumerable.Range(0, agg.Args.Count).FirstOrDefault(i => Planner.Logical.BoundExprComparer.Instance.Equals(agg.Args[i], k.Expr), -1);
            if (arg < 0) throw new UnsupportedException($"aggregate {agg.AggOid} ({agg.Name}): DISTINCT with an ORDER BY key that is not an argument");
            spec.Add((arg, k.Descending, k.NullsFirst));
        }
        for (int i = 0; i < agg.Args.Count; i++)
        {
            if (!spec.Any(s => s.Arg == i)) spec.Add((i, false, false));
        }
        var argTypes = agg.Args.Select(a => a.Type).ToArray();
        return () => new DistinctAccumulator(plain(), argTypes, spec);
    }

    private static Func<Accumulator> PlainFactory(BoundAggregate agg)
    {
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
            BoundAggregate.FirstValueOid when argType is { } t => () => new FirstValueAccumulator(t),
            BoundAggregate.SingleValueOid when argType is { } t => () => new FirstValueAccumulator(t, oneRowOnly: true),
            BoundAggregate.AnyValueOid when argType is { } t => () => new FirstValueAccumulator(t, anyRow: true),
            2517 or 2519 => () => new BoolAndOrAccumulator(isAnd: true),
            2518 => () => new BoolAndOrAccumulator(isAnd: false),
            3538 => () => new StringAggAccumulator(),
            _ => Variance(agg.AggOid, argType),
        };
        return f ?? throw new UnsupportedException($"aggregate {agg.AggOid} ({agg.Name}) is not supported");
    }

    /// <summary>
    /// var_pop (2718..2723), var_samp (2641..2646) = variance (2148..2153), stddev_pop (2724..2729),
    /// stddev_samp (2712..2717) = stddev (2154..2159); each block runs int8, int4, int2, float4, float8, numeric.
    /// </summary>
    private static Func<Accumulator>? Variance(uint oid, PgType? argType)
    {
        (uint first, VarianceKind kind) = oid switch
        {
            >= 2718 and <= 2723 => (2718u, VarianceKind.VarPop),
            >= 2641 and <= 2646 => (2641u, VarianceKind.VarSamp),
            >= 2148 and <= 2153 => (2148u, VarianceKind.VarSamp),
            >= 2724 and <= 2729 => (2724u, VarianceKind.StddevPop),
            >= 2712 and <= 2717 => (2712u, VarianceKind.StddevSamp),
            >= 2154 and <= 2159 => (2154u, VarianceKind.StddevSamp),
            _ => (0u, VarianceKind.VarPop),
        };
        if (first == 0 || argType is not { } type) return null;
        return (oid - first) switch
        {
            0 or 1 or 2 or 5 => () => new NumericVarianceAccumulator(kind, type),
            3 => () => new FloatVarianceAccumulator<float>(kind),
            _ => () => new FloatVarianceAccumulator<double>(kind),
        };
    }

    private static Func<Accumulator>? MinMax(BoundAggregate agg, PgType type)
    {
        bool max = agg.AggOid is >= 2115 and <= 2130 or 2244;
        var clr = KernelTypes.ClrType(type);
        if (clr is null || clr == typeof(bool)) return null;
        // interval: max 2128 / min 2144, compared by interval_cmp_value (ColumnOps' IntervalOps)
        if (type.Oid is PgTypeOid.Interval or PgTypeOid.Time or PgTypeOid.Timestamptz or PgTypeOid.Oid or PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8
            or PgTypeOid.Float4 or PgTypeOid.Float8 or PgTypeOid.Numeric or PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar
            or PgTypeOid.Date or PgTypeOid.Timestamp)
        {
            return () => new MinMaxAccumulator(type, max);
        }
        return null;
    }
}
