using System.Globalization;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Types;

namespace PgFusion.Planner.Logical;

/// <summary>
/// Expressions as EXPLAIN text, close to PostgreSQL's deparse: operators infix by their catalog
/// name, functions by proname, constants with their type. Logical column references print as
/// name#id so rule tests can tell columns apart.
/// </summary>
public sealed class ExpressionFormatter(QueryCatalog catalog)
{
    public string Format(BoundExpr e) => e switch
    {
        LogicalColumnRef r => $"{r.Column.Name}#{r.Column.Id}",
        BoundColumnRef c => c.Name,
        BoundConst c => FormatConst(c),
        BoundFuncCall f => FormatCall(f),
        BoundBoolExpr { Op: BoolOp.Not } b => $"(NOT {Format(b.Args[0])})",
        BoundBoolExpr b => "(" + string.Join(b.Op == BoolOp.And ? " AND " : " OR ", b.Args.Select(Format)) + ")",
        BoundNullTest n => $"({Format(n.Arg)} IS {(n.IsNotNull ? "NOT " : "")}NULL)",
        BoundRelabel r => $"({Format(r.Arg)})::{r.Type}",
        BoundCase c => "CASE" + string.Concat(c.Branches.Select(b => $" WHEN {Format(b.When)} THEN {Format(b.Then)}")) + (c.Else is { } el ? $" ELSE {Format(el)}" : "") + " END",
        BoundCoalesce c => "COALESCE(" + string.Join(", ", c.Args.Select(Format)) + ")",
        _ => e.GetType().Name,
    };

    public string Format(BoundAggregate a)
    {
        string args = a.Args.Count == 0 ? "*" : (a.Distinct ? "DISTINCT " : "") + string.Join(", ", a.Args.Select(Format));
        if (a.OrderBy is { Count: > 0 } order)
            args += " ORDER BY " + string.Join(", ", order.Select(o => Format(o.Expr) + (o.Descending ? " DESC" : "") + (o.NullsFirst != o.Descending ? (o.NullsFirst ? " NULLS FIRST" : " NULLS LAST") : "")));
        return $"{a.Name}({args})" + (a.Filter is { } f ? $" FILTER (WHERE {Format(f)})" : "");
    }

    private string FormatCall(BoundFuncCall f)
    {
        if (catalog.OperatorOfFunction(f.FuncOid) is { } op)
        {
            if (f.Args.Count == 2) return $"({Format(f.Args[0])} {op.Name} {Format(f.Args[1])})";
            if (f.Args.Count == 1) return $"({op.Name} {Format(f.Args[0])})";
        }
        return $"{f.Name}({string.Join(", ", f.Args.Select(Format))})";
    }

    public static string FormatConst(BoundConst c) => c.Value switch
    {
        null => $"NULL::{c.Type}",
        bool b => b ? "true" : "false",
        string s => $"'{s.Replace("'", "''", StringComparison.Ordinal)}'::{c.Type}",
        int i when c.Type.Oid == PgTypeOid.Date => $"'{ConstText(c)}'::date",
        long when c.Type.Oid is PgTypeOid.Timestamp or PgTypeOid.Timestamptz or PgTypeOid.Time => $"'{ConstText(c)}'::{c.Type}",
        PgNumeric { IsFinite: false } n => $"'{n}'::numeric",
        PgNumeric n => n.ToString(),
        double d when !double.IsFinite(d) => $"'{ConstText(c)}'::{c.Type}",
        float d when !float.IsFinite(d) => $"'{ConstText(c)}'::{c.Type}",
        _ => ConstText(c) ?? c.Value.ToString() ?? "?",
    };

    /// <summary>The constant as the type's output function would print it (for statistics lookups), or null.</summary>
    public static string? ConstText(BoundConst c) => c.Value switch
    {
        null => null,
        bool b => b ? "t" : "f",
        int d when c.Type.Oid == PgTypeOid.Date => d switch
        {
            PgEpoch.DateNegativeInfinity => "-infinity",
            PgEpoch.DatePositiveInfinity => "infinity",
            _ => new DateOnly(2000, 1, 1).AddDays(d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        },
        long t when c.Type.Oid is PgTypeOid.Timestamp or PgTypeOid.Timestamptz => t switch
        {
            PgEpoch.TimestampNegativeInfinity => "-infinity",
            PgEpoch.TimestampPositiveInfinity => "infinity",
            _ => new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).AddTicks(t * 10).ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture),
        },
        float f => float.IsPositiveInfinity(f) ? "Infinity" : float.IsNegativeInfinity(f) ? "-Infinity" : f.ToString("R", CultureInfo.InvariantCulture),
        double d => double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        var v => v.ToString(),
    };
}
