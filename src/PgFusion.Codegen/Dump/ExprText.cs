using System.Globalization;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Physical;

namespace PgFusion.Codegen.Dump;

/// <summary>A bound expression as EXPLAIN shows it: column names, function names, SQL-ish operators.</summary>
public static class ExprText
{
    public static string Of(BoundExpr e, IReadOnlyList<OutputColumn> input) => e switch
    {
        BoundColumnRef c => c.Index < input.Count ? input[c.Index].Name : $"${c.Index}",
        BoundConst { Value: null } => "NULL",
        BoundConst { Value: string s } k => $"'{s.Replace("'", "''", StringComparison.Ordinal)}'::{k.Type}",
        BoundConst { Value: IFormattable f } k => $"{f.ToString(null, CultureInfo.InvariantCulture)}::{k.Type}",
        BoundConst k => $"{k.Value}::{k.Type}",
        BoundFuncCall f => $"{f.Name}({string.Join(", ", f.Args.Select(a => Of(a, input)))})",
        BoundBoolExpr { Op: BoolOp.Not } b => $"NOT {Of(b.Args[0], input)}",
        BoundBoolExpr b => "(" + string.Join(b.Op == BoolOp.And ? " AND " : " OR ", b.Args.Select(a => Of(a, input))) + ")",
        BoundNullTest t => $"{Of(t.Arg, input)} IS {(t.IsNotNull ? "NOT " : "")}NULL",
        BoundRelabel r => $"{Of(r.Arg, input)}::{r.Type}",
        BoundCase c => "CASE " + string.Concat(c.Branches.Select(b => $"WHEN {Of(b.When, input)} THEN {Of(b.Then, input)} "))
            + (c.Else is null ? "" : $"ELSE {Of(c.Else, input)} ") + "END",
        BoundCoalesce c => $"COALESCE({string.Join(", ", c.Args.Select(a => Of(a, input)))})",
        _ => e.GetType().Name,
    };
}
