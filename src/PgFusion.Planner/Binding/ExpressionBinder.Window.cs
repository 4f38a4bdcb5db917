using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Binding;

// WindowFunc nodes: the ranking, offset and value functions of PostgreSQL 15's windowfuncs.c and
// the plain aggregates pg_fusion's accumulators compute, used as window functions.
public sealed partial class ExpressionBinder
{
    /// <summary>Collects the window functions of a select list (set by the query binder); null: a window function is unsupported here.</summary>
    public WindowCollector? Windows { get; set; }

    private BoundExpr BindWindowFunc(QueryTreeNode node, AggregateCollector? aggregates)
    {
        uint oid = node.UInt32("winfnoid");
        string label = FunctionLabel(oid);
        if (Windows is null) throw UnsupportedConstructException.NotYet($"window function {label} here");
        var args = BindList(node.List("args"), aggregates);
        var filter = node.Optional("aggfilter") is { } f ? Bind(f, aggregates) : null;
        var type = CheckType(new PgType(node.UInt32("wintype")));
        string name = FunctionName(oid, node);
        BoundWindowFunction function;
        if (node.Bool("winagg"))
        {
            if (!IsWindowAggregate(oid)) throw UnsupportedConstructException.NotYet($"window aggregate {label} (only count, sum, avg, min, max, bool_and, bool_or and every)");
            CheckCollation(node, args, () => $"window aggregate {label}");
            var aggregate = new BoundAggregate(oid, name, args, Distinct: false, filter, type);
            // FILTER (WHERE ...) rides as the call's last argument, so the window computes it as a column.
            function = new BoundWindowFunction(WindowFunctionKind.Aggregate, oid, name, filter is null ? args : [.. args, filter], aggregate, type);
        }
        else
        {
            var (kind, minArgs, maxArgs) = oid switch
            {
                3100 => (WindowFunctionKind.RowNumber, 0, 0),
                3101 => (WindowFunctionKind.Rank, 0, 0),
                3102 => (WindowFunctionKind.DenseRank, 0, 0),
                3103 => (WindowFunctionKind.PercentRank, 0, 0),
                3104 => (WindowFunctionKind.CumeDist, 0, 0),
                3105 => (WindowFunctionKind.Ntile, 1, 1),
                3106 or 3107 or 3108 => (WindowFunctionKind.Lag, 1, 3),
                3109 or 3110 or 3111 => (WindowFunctionKind.Lead, 1, 3),
                3112 => (WindowFunctionKind.FirstValue, 1, 1),
                3113 => (WindowFunctionKind.LastValue, 1, 1),
                3114 => (WindowFunctionKind.NthValue, 2, 2),
                _ => throw UnsupportedConstructException.NotYet($"window function {label}"),
            };
            if (args.Count < minArgs || args.Count > maxArgs) throw node.Field("args").Error($"window function {label} takes {minArgs} to {maxArgs} arguments, got {args.Count}");
            // ntile's bucket count, lag/lead's offset and nth_value's n are int4; lag/lead's default has the value's type.
            if ((kind is WindowFunctionKind.Ntile && args[0].Type.Oid != PgTypeOid.Int4)
                || (kind is WindowFunctionKind.Lag or WindowFunctionKind.Lead && args.Count > 1 && args[1].Type.Oid != PgTypeOid.Int4)
                || (kind is WindowFunctionKind.NthValue && args[1].Type.Oid != PgTypeOid.Int4)
                || (kind is WindowFunctionKind.Lag or WindowFunctionKind.Lead && args.Count > 2 && args[2].Type.Oid != args[0].Type.Oid))
                throw UnsupportedConstructException.NotYet($"window function {label} with arguments of types {string.Join(", ", args.Select(a => TypeLabel(a.Type.Oid)))}");
            function = new BoundWindowFunction(kind, oid, name, args, null, type);
        }
        return new LogicalColumnRef(Windows.Add(node.Int32("winref"), function));
    }

    /// <summary>
    /// count(*) 2803, count(any) 2147, sum 2107..2111 and 2114 (int8, int4, int2, float4, float8,
    /// numeric), avg 2100..2105 (int8, int4, int2, numeric, float4, float8), min/max 2115..2146,
    /// 2244, 2245 (the accumulator rejects the types it lacks when the plan is compiled), bool_and
    /// 2517, bool_or 2518, every 2519.
    /// </summary>
    private static bool IsWindowAggregate(uint oid) =>
        oid is 2803 or 2147 or (>= 2107 and <= 2111) or 2114 or (>= 2100 and <= 2105) or (>= 2115 and <= 2146) or 2244 or 2245 or (>= 2517 and <= 2519);
}
