using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Planner.Logical;

/// <summary>The window functions pg_fusion evaluates (pg_proc prokind 'w' of PostgreSQL 15, and plain aggregates used as window functions).</summary>
public enum WindowFunctionKind
{
    RowNumber,
    Rank,
    DenseRank,
    PercentRank,
    CumeDist,
    Ntile,
    Lag,
    Lead,
    FirstValue,
    LastValue,
    NthValue,
    Aggregate,
}

/// <summary>
/// One window function call: its kind, pg_proc OID and name, its arguments (lag/lead: value, offset,
/// default; ntile: bucket count; nth_value: value, n), the aggregate when <see cref="Kind"/> is
/// <see cref="WindowFunctionKind.Aggregate"/> (its Args are the call's; an aggregate with FILTER
/// has the filter as the call's last argument and as its Filter), and the result type
/// (WindowFunc.wintype). Below a <see cref="LogicalWindow"/> the arguments are column references.
/// </summary>
public sealed record BoundWindowFunction(WindowFunctionKind Kind, uint FuncOid, string Name, IReadOnlyList<BoundExpr> Args, BoundAggregate? Aggregate, PgType Type)
{
    /// <summary>The same call over other arguments (the aggregate's too; the last one is its FILTER when it has one).</summary>
    public BoundWindowFunction WithArgs(IReadOnlyList<BoundExpr> args) =>
        this with { Args = args, Aggregate = Aggregate?.WithWindowArgs(args) };

    public override string ToString() => $"{Name}({string.Join(", ", Args)})";
}

/// <summary>A window function call and the column holding its result.</summary>
public sealed record NamedWindowFunction(LogicalColumn Column, BoundWindowFunction Function);
