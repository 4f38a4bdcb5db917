using System.Globalization;
using System.Text;
using PgFusion.Planner.Binding;
using PgFusion.Types;

namespace PgFusion.Codegen.Kernels;

/// <summary>
/// The canonical text of an expression for the kernel cache: structure, function OIDs, types and
/// constant values; column names are left out (they do not change the code).
/// </summary>
public static class ExprShape
{
    public static string Of(BoundExpr e)
    {
        var sb = new StringBuilder();
        Append(sb, e);
        return sb.ToString();
    }

    private static void Type(StringBuilder sb, PgType t) => sb.Append(t.Oid).Append('/').Append(t.Typmod);

    private static void Append(StringBuilder sb, BoundExpr e)
    {
        switch (e)
        {
            case BoundColumnRef c:
                sb.Append('$').Append(c.Index).Append(':');
                Type(sb, c.Type);
                break;
            case BoundConst k:
                sb.Append("k(");
                Type(sb, k.Type);
                sb.Append(',').Append(k.Value switch
                {
                    null => "null",
                    byte[] b => "x" + Convert.ToHexString(b),
                    string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
                    IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                    var v => v.ToString(),
                }).Append(')');
                break;
            case BoundFuncCall f:
                sb.Append('f').Append(f.FuncOid).Append(':');
                Type(sb, f.Type);
                List(sb, f.Args);
                break;
            case BoundBoolExpr b:
                sb.Append(b.Op.ToString());
                List(sb, b.Args);
                break;
            case BoundNullTest t:
                sb.Append(t.IsNotNull ? "notnull(" : "isnull(");
                Append(sb, t.Arg);
                sb.Append(')');
                break;
            case BoundRelabel r:
                sb.Append("relabel(");
                Append(sb, r.Arg);
                sb.Append(',');
                Type(sb, r.Type);
                sb.Append(')');
                break;
            case BoundCase c:
                sb.Append("case:");
                Type(sb, c.Type);
                sb.Append('(');
                foreach (var (when, then) in c.Branches)
                {
                    Append(sb, when);
                    sb.Append("=>");
                    Append(sb, then);
                    sb.Append(';');
                }
                if (c.Else is not null) Append(sb, c.Else);
                sb.Append(')');
                break;
            case BoundCoalesce c:
                sb.Append("coalesce:");
                Type(sb, c.Type);
                List(sb, c.Args);
                break;
            default:
                sb.Append(e.GetType().Name);
                break;
        }
    }

    private static void List(StringBuilder sb, IReadOnlyList<BoundExpr> args)
    {
        sb.Append('(');
        for (int i = 0; i < args.Count; i++)
        {
            if (i > 0) sb.Append(',');
            Append(sb, args[i]);
        }
        sb.Append(')');
    }
}
