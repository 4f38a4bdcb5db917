using PgFusion.Types;

namespace PgFusion.Planner.Binding;

/// <summary>
/// The implicit casts a set operation inserts when its branches' column types differ
/// (pg_cast entries with castcontext 'i', by their pg_proc OIDs); binary-coercible pairs relabel.
/// Any other pair is Unsupported.
/// </summary>
public static class SetOperationCasts
{
    private static readonly Dictionary<(uint From, uint To), (uint FuncOid, string Name)> Casts = new()
    {
        [(PgTypeOid.Int2, PgTypeOid.Int4)] = (313, "int4"),
        [(PgTypeOid.Int2, PgTypeOid.Int8)] = (754, "int8"),
        [(PgTypeOid.Int4, PgTypeOid.Int8)] = (481, "int8"),
        [(PgTypeOid.Int2, PgTypeOid.Float4)] = (236, "float4"),
        [(PgTypeOid.Int4, PgTypeOid.Float4)] = (318, "float4"),
        [(PgTypeOid.Int8, PgTypeOid.Float4)] = (652, "float4"),
        [(PgTypeOid.Int2, PgTypeOid.Float8)] = (235, "float8"),
        [(PgTypeOid.Int4, PgTypeOid.Float8)] = (316, "float8"),
        [(PgTypeOid.Int8, PgTypeOid.Float8)] = (482, "float8"),
        [(PgTypeOid.Float4, PgTypeOid.Float8)] = (311, "float8"),
        [(PgTypeOid.Int2, PgTypeOid.Numeric)] = (1782, "numeric"),
        [(PgTypeOid.Int4, PgTypeOid.Numeric)] = (1740, "numeric"),
        [(PgTypeOid.Int8, PgTypeOid.Numeric)] = (1781, "numeric"),
        [(PgTypeOid.Numeric, PgTypeOid.Float8)] = (1746, "float8"),
        [(PgTypeOid.Numeric, PgTypeOid.Float4)] = (1745, "float4"),
        [(PgTypeOid.Date, PgTypeOid.Timestamp)] = (2024, "timestamp"),
        [(PgTypeOid.Bpchar, PgTypeOid.Text)] = (401, "text"),
    };

    public static BoundExpr Cast(BoundExpr e, PgType to)
    {
        uint from = e.Type.Oid;
        // text and varchar convert to text, varchar and bpchar without a function (binary-coercible
        // pg_cast entries); bpchar to text strips trailing spaces (rtrim1).
        if (from is PgTypeOid.Varchar or PgTypeOid.Text && to.Oid is PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar) return new BoundRelabel(e, to);
        if (Casts.TryGetValue((from, to.Oid), out var cast))
        {
            BoundExpr call = new BoundFuncCall(cast.FuncOid, cast.Name, [e], new PgType(to.Oid));
            return to.Typmod == -1 ? call : new BoundRelabel(call, to);
        }
        throw UnsupportedConstructException.NotYet($"set operation column converted from {PgTypeNames.Format(e.Type)} to {PgTypeNames.Format(to)}");
    }
}
